// The manifest of `exportctl backup DIR`: DIR/manifest.json, written beside
// the copy, says what the backup holds and lets `backup --verify DIR` tell
// an intact copy from a changed one.
//
//   {"libexport_backup":1,"libexport_version":"0.3.0",
//    "store_format":"libexport-store 1","created_at":"...",
//    "files":[{"name":"data.mdb","bytes":N,"sha256":"..."}],
//    "trackers":[{"tracker":"shop","customizations":6,"catalog_items":3}]}
//
// The trackers and counts are those of the copy itself (opened read-only
// after it was written), not of the live store.
#ifndef LIBEXPORT_APP_BACKUP_MANIFEST_H_
#define LIBEXPORT_APP_BACKUP_MANIFEST_H_

#include <string>
#include <vector>

#include "libexport/store.h"

namespace libexport::app {

inline constexpr const char* kManifestName = "manifest.json";

// The lower-case hex SHA-256 of the file at `path`; throws Failure naming
// the file and the cause.
std::string Sha256OfFile(const std::string& path);

// Writes DIR/manifest.json for the store copy in `dir` (its data.mdb).
// Throws Failure.
void WriteManifest(const std::string& dir, Timestamp now);

// Checks every file the manifest of `dir` lists: present, of its size, of
// its SHA-256. Returns the problems, one line each naming the file; empty
// when the backup is intact. Throws Failure when the manifest itself is
// missing or does not parse.
std::vector<std::string> VerifyManifest(const std::string& dir,
                                        std::string* summary);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_BACKUP_MANIFEST_H_
