// The audit log (docs/store_format.md "Audit log"): one entry per committed
// write, appended in the write's own transaction. The writer side every
// write path uses, and the entry codec the reader and Verify share.
#ifndef LIBEXPORT_SRC_AUDIT_LOG_H_
#define LIBEXPORT_SRC_AUDIT_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/status.h"
#include "libexport/store.h"
#include "libexport/time.h"

namespace libexport::internal {

// InvalidArgument (field "actor") unless `actor` is at most kMaxActorSize
// bytes of well-formed UTF-8.
Status CheckActor(std::string_view actor);

// One entry being built: the operation, the tracker and the actor, then the
// members particular to the operation, in the order they are added.
class AuditRecord {
 public:
  AuditRecord(std::string_view op, std::string_view tracker,
              std::string_view actor)
      : op_(op), tracker_(tracker), actor_(actor) {}

  AuditRecord& Count(std::string_view name, uint64_t n);
  AuditRecord& Text(std::string_view name, std::string_view s);
  AuditRecord& Time(std::string_view name, Timestamp t);
  // At most kAuditListSize of `items`; Count(name + "_total") says how many
  // there were when some were left out.
  AuditRecord& Texts(std::string_view name,
                     const std::vector<std::string>& items);

  // The entry's value, dated `time`.
  std::string Encode(Timestamp time) const;

  static constexpr size_t kAuditListSize = 16;

 private:
  std::string_view op_, tracker_, actor_;
  std::string members_;  // ,"name":value...
};

// A key: the time (i64 microseconds, sign bit flipped, BE) and a store-wide
// sequence (u64 BE) that keeps entries of the same microsecond apart.
inline constexpr size_t kAuditKeySize = 16;
std::string MakeAuditKey(int64_t micros, uint64_t seq);
int64_t AuditKeyMicros(std::string_view key);
uint64_t AuditKeySeq(std::string_view key);

// Decodes an entry (key and value); Corruption when it is not one.
Status DecodeAuditEntry(std::string_view key, std::string_view value,
                        AuditLogEntry* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_AUDIT_LOG_H_
