// The audit log: entries appended by every write in its own transaction,
// their bounded trimming by the store's retention, and their reading
// (libexport/store.h "Audit log").
#include "audit_log.h"

#include <algorithm>
#include <cstring>

#include "guard.h"
#include "keys.h"
#include "libexport/json_string.h"
#include "lmdb_env.h"
#include "raw_json.h"
#include "record.h"
#include "store_impl.h"
#include "utf8.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace internal {

namespace {

constexpr uint8_t kAuditEntryVersion = 1;
constexpr std::string_view kRetentionKey = "audit_retention";
// How many expired entries one commit drops at most.
constexpr size_t kAuditTrimStep = 256;

void AppendName(std::string* out, std::string_view name) {
  out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
}

Timestamp FromMicros(int64_t micros) {
  int64_t s = micros / 1'000'000, us = micros % 1'000'000;
  if (us < 0) {
    us += 1'000'000;
    --s;
  }
  return Timestamp{s, static_cast<int32_t>(us * 1000)};
}

}  // namespace

Status CheckActor(std::string_view actor) {
  if (actor.size() > kMaxActorSize) {
    return Status::InvalidArgument(
        "an actor is at most " + std::to_string(kMaxActorSize) + " bytes",
        "actor");
  }
  for (size_t i = 0; i < actor.size();) {
    const size_t n = Utf8SequenceLength(actor, i);
    if (n == 0) return Status::InvalidArgument("actor is not UTF-8", "actor");
    i += n;
  }
  return Status::Ok();
}

AuditRecord& AuditRecord::Count(std::string_view name, uint64_t n) {
  AppendName(&members_, name);
  members_ += std::to_string(n);
  return *this;
}

AuditRecord& AuditRecord::Text(std::string_view name, std::string_view s) {
  AppendName(&members_, name);
  AppendJsonString(&members_, s);
  return *this;
}

AuditRecord& AuditRecord::Time(std::string_view name, Timestamp t) {
  AppendName(&members_, name);
  members_.push_back('"');
  AppendRfc3339(&members_, t, 6);
  members_.push_back('"');
  return *this;
}

AuditRecord& AuditRecord::Texts(std::string_view name,
                                const std::vector<std::string>& items) {
  AppendName(&members_, name);
  members_.push_back('[');
  const size_t kept = std::min(items.size(), kAuditListSize);
  for (size_t i = 0; i < kept; ++i) {
    if (i > 0) members_.push_back(',');
    AppendJsonString(&members_, items[i]);
  }
  members_.push_back(']');
  if (kept < items.size()) {
    return Count(std::string(name) + "_total", items.size());
  }
  return *this;
}

std::string AuditRecord::Encode(Timestamp time) const {
  std::string v;
  v.push_back(static_cast<char>(kAuditEntryVersion));
  v.push_back(static_cast<char>(op_.size()));
  v += op_;
  v.push_back(static_cast<char>(tracker_.size()));
  v += tracker_;
  AppendLE<uint16_t>(&v, static_cast<uint16_t>(actor_.size()));
  v += actor_;
  v += "{\"time\":\"";
  AppendRfc3339(&v, time, 6);
  v += "\",\"actor\":";
  AppendJsonString(&v, actor_);
  v += ",\"op\":";
  AppendJsonString(&v, op_);
  v += ",\"tracker\":";
  AppendJsonString(&v, tracker_);
  v += members_;
  v.push_back('}');
  return v;
}

std::string MakeAuditKey(int64_t micros, uint64_t seq) {
  std::string k(kAuditKeySize, '\0');
  PutBE64(k.data(), static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63));
  PutBE64(k.data() + 8, seq);
  return k;
}

int64_t AuditKeyMicros(std::string_view key) {
  return static_cast<int64_t>(LoadBE64(key.data()) ^ (uint64_t{1} << 63));
}

uint64_t AuditKeySeq(std::string_view key) { return LoadBE64(key.data() + 8); }

Status DecodeAuditEntry(std::string_view key, std::string_view value,
                        AuditLogEntry* out) {
  const auto bad = [&](std::string_view why) {
    return Status::Corruption(
        "audit log entry " +
        std::to_string(key.size() == kAuditKeySize ? AuditKeySeq(key) : 0) +
        ": " + std::string(why));
  };
  if (key.size() != kAuditKeySize) return bad("key is not 16 bytes");
  size_t pos = 0;
  const auto take = [&](size_t n, std::string* field) {
    if (value.size() - pos < n) return false;
    field->assign(value.substr(pos, n));
    pos += n;
    return true;
  };
  if (value.empty() || static_cast<uint8_t>(value[0]) != kAuditEntryVersion)
    return bad("unknown entry version");
  pos = 1;
  if (pos >= value.size() ||
      !take(static_cast<uint8_t>(value[pos++]), &out->op) ||
      pos >= value.size() ||
      !take(static_cast<uint8_t>(value[pos++]), &out->tracker) ||
      value.size() - pos < 2) {
    return bad("truncated");
  }
  const uint16_t actor_size = LoadLE<uint16_t>(value.data() + pos);
  pos += 2;
  if (!take(actor_size, &out->actor)) return bad("truncated");
  out->json.assign(value.substr(pos));
  RawJsonReader reader(out->json);
  if (reader.Peek() != '{' || !reader.Value(nullptr) || !reader.AtEnd())
    return bad("not a JSON object");
  out->time = FromMicros(AuditKeyMicros(key));
  return Status::Ok();
}

}  // namespace internal

namespace {

Status GetRetention(MDB_txn* txn, MDB_dbi meta, int64_t* seconds) {
  MDB_val k = ToVal(internal::kRetentionKey), v;
  int rc = mdb_get(txn, meta, &k, &v);
  *seconds = 0;
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(meta)", rc);
  if (v.mv_size != 8) {
    return Status::Corruption("meta audit_retention is not 8 bytes");
  }
  *seconds = internal::LoadLE<int64_t>(ToView(v).data());
  return Status::Ok();
}

// Drops at most `limit` entries older than `before_micros`, oldest first.
Status Trim(MDB_txn* txn, MDB_dbi dbi, int64_t before_micros, size_t limit,
            uint64_t* removed) {
  std::vector<std::string> keys;
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn, dbi, "", [&](std::string_view k, std::string_view) {
        if (keys.size() >= limit || k.size() != internal::kAuditKeySize ||
            internal::AuditKeyMicros(k) >= before_micros) {
          return false;
        }
        keys.emplace_back(k);
        return true;
      }));
  for (const std::string& key : keys) {
    MDB_val k = ToVal(key);
    int rc = mdb_del(txn, dbi, &k, nullptr);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_del(audit_log)", rc);
  }
  if (removed != nullptr) *removed += keys.size();
  return Status::Ok();
}

}  // namespace

Status Store::Impl::AppendAudit(MDB_txn* txn,
                                const internal::AuditRecord& record) {
  const Timestamp now = Now();
  const int64_t micros = internal::ToMicros(now);
  uint64_t seq = 1;
  {
    internal::Cursor c;
    int rc = c.Open(txn, audit_log);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    MDB_val k, v;
    rc = c.Get(&k, &v, MDB_LAST);
    if (rc == MDB_SUCCESS && k.mv_size == internal::kAuditKeySize) {
      seq = internal::AuditKeySeq(ToView(k)) + 1;
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return LmdbStatus("mdb_cursor_get(audit_log)", rc);
    }
  }
  const std::string key = internal::MakeAuditKey(micros, seq);
  const std::string value = record.Encode(now);
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn, audit_log, &k, &v, 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(audit_log)", rc);
  int64_t retention = 0;
  LIBEXPORT_RETURN_IF_ERROR(GetRetention(txn, meta, &retention));
  if (retention <= 0) return Status::Ok();
  return Trim(txn, audit_log, micros - retention * 1'000'000,
              internal::kAuditTrimStep, nullptr);
}

Status Store::ReadAuditLog(const AuditLogQuery& query,
                           const std::function<bool(const AuditLogEntry&)>& fn,
                           uint64_t* corrupt) const try {
  if (corrupt != nullptr) *corrupt = 0;
  if (!impl_->has_audit_log) return Status::Ok();  // an older read-only store
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::Cursor c;
  int rc = c.Open(txn.get(), impl_->audit_log);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  std::string start;
  MDB_val k, v;
  MDB_cursor_op op = MDB_FIRST;
  if (query.since) {
    start = internal::MakeAuditKey(internal::ToMicros(*query.since), 0);
    k = ToVal(start);
    op = MDB_SET_RANGE;
  }
  AuditLogEntry entry;
  for (rc = c.Get(&k, &v, op); rc == MDB_SUCCESS;
       rc = c.Get(&k, &v, MDB_NEXT)) {
    if (!internal::DecodeAuditEntry(ToView(k), ToView(v), &entry).ok()) {
      if (corrupt != nullptr) ++*corrupt;
      continue;
    }
    if (!query.tracker.empty() && entry.tracker != query.tracker) continue;
    if (!fn(entry)) return Status::Ok();
  }
  if (rc != MDB_NOTFOUND) return LmdbStatus("mdb_cursor_get(audit_log)", rc);
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::chrono::seconds> Store::AuditLogRetention() const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  int64_t seconds = 0;
  LIBEXPORT_RETURN_IF_ERROR(GetRetention(txn.get(), impl_->meta, &seconds));
  return std::chrono::seconds(seconds);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::SetAuditLogRetention(std::chrono::seconds retention,
                                   std::string_view actor,
                                   uint64_t* removed) try {
  if (retention.count() < 0) {
    return Status::InvalidArgument("retention must not be negative",
                                   "retention");
  }
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  uint64_t count = 0;
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    count = 0;
    std::string value;
    internal::AppendLE<int64_t>(&value, retention.count());
    MDB_val k = ToVal(internal::kRetentionKey), v = ToVal(value);
    int rc = mdb_put(txn, impl_->meta, &k, &v, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(meta)", rc);
    if (retention.count() > 0) {
      // Everything already expired goes now, not a step per commit.
      const int64_t before = internal::ToMicros(impl_->Now()) -
                             int64_t{retention.count()} * 1'000'000;
      LIBEXPORT_RETURN_IF_ERROR(
          Trim(txn, impl_->audit_log, before, SIZE_MAX, &count));
    }
    return impl_->AppendAudit(
        txn, internal::AuditRecord("audit_log_retention", "", actor)
                 .Count("retention_seconds",
                        static_cast<uint64_t>(retention.count()))
                 .Count("removed", count));
  });
  if (st.ok() && removed != nullptr) *removed = count;
  return st;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
