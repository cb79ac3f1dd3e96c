// Store format 1 -> 2 (docs/store_format.md, "Format 1"): gives every
// tracker a generation and its history, seals every record with a seq and
// a checksum, and adds the seq to every catalog identity.
#ifndef LIBEXPORT_SRC_MIGRATE_H_
#define LIBEXPORT_SRC_MIGRATE_H_

#include <lmdb.h>

#include "libexport/status.h"
#include "store_impl.h"

namespace libexport::internal {

// Runs inside one write transaction `txn` (the caller commits it with the
// new format marker, so a failure leaves format 1 untouched). A format 1
// record that does not decode is left as it is: format 2 reads it as
// corrupt, as format 1 did.
Status MigrateFormat1(Store::Impl& impl, MDB_txn* txn);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_MIGRATE_H_
