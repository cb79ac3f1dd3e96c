// Snapshot: one read transaction that several reads share.
#include "guard.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

struct Snapshot::State {
  const Store::Impl* impl = nullptr;
  Store::Impl::ReadTxn txn;
};

Snapshot::Snapshot(std::unique_ptr<State> state) : state_(std::move(state)) {}
Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot& Snapshot::operator=(Snapshot&&) noexcept = default;
Snapshot::~Snapshot() = default;

Result<Snapshot> Store::OpenSnapshot() const try {
  auto state = std::make_unique<Snapshot::State>();
  state->impl = impl_.get();
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&state->txn));
  return Snapshot(std::move(state));
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Snapshot::Export(const ExportQuery& query, ExportSink& sink,
                        ExportStats* stats) const try {
  return state_->impl->ExportIn(state_->txn.get(), query, sink, stats);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<ExportValidator> Snapshot::ExportEtag(const ExportQuery& query) const
    try {
  return state_->impl->ExportEtagIn(state_->txn.get(), query);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::vector<std::string>> Snapshot::SigningKeys(
    std::string_view tracker_id, Timestamp now) const try {
  return state_->impl->SigningKeysIn(state_->txn.get(), tracker_id, now);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::string> Snapshot::LatestCursor(std::string_view tracker_id) const
    try {
  return state_->impl->CursorIn(state_->txn.get(), tracker_id);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
