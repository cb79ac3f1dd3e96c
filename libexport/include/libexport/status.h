// Status and Result<T>: how every fallible libexport call reports failure.
// No exception leaves libexport.
//
// Thread safety: values; copy freely.
#ifndef LIBEXPORT_STATUS_H_
#define LIBEXPORT_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace libexport {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,           // a tracker or customization that does not exist
    kInvalidArgument,    // bad input: a query parameter, a field, a document
    kAlreadyExists,      // a tracker, or an id under on_conflict=raise
    kCorruption,         // a stored record that does not decode
    kIOError,            // the file system or LMDB said no
    kResourceExhausted,  // the map reached StoreOptions::max_map_size, disk
                         // full
    kAborted,            // the sink asked to stop (client gone, time cap)
    kInternal,           // a bug
    kGone,  // a changes cursor that can no longer be served (compacted,
            // or of another generation of the tracker): start again
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) {
    return {Code::kNotFound, std::move(msg)};
  }
  // `field` names the offending field or query parameter, when there is one.
  static Status InvalidArgument(std::string msg, std::string field = {}) {
    return {Code::kInvalidArgument, std::move(msg), std::move(field)};
  }
  static Status AlreadyExists(std::string msg) {
    return {Code::kAlreadyExists, std::move(msg)};
  }
  static Status Corruption(std::string msg) {
    return {Code::kCorruption, std::move(msg)};
  }
  static Status IOError(std::string msg) {
    return {Code::kIOError, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status Aborted(std::string msg) {
    return {Code::kAborted, std::move(msg)};
  }
  static Status Internal(std::string msg) {
    return {Code::kInternal, std::move(msg)};
  }
  static Status Gone(std::string msg, std::string field = {}) {
    return {Code::kGone, std::move(msg), std::move(field)};
  }
  // The same error with `context` in front of its message.
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + message_, field_);
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The field or query parameter the error is about; empty when none.
  const std::string& field() const { return field_; }
  // "InvalidArgument: target_type: must be one of item, criteria, all".
  std::string ToString() const;

 private:
  Status(Code code, std::string msg, std::string field = {})
      : code_(code), message_(std::move(msg)), field_(std::move(field)) {}
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// A value or the Status that explains why there is none. A Result is
// always one of the two: built from an OK Status (a bug in the caller: there
// is no value) it holds Internal("Result built from an OK Status") instead,
// so ok() is false and status() says why.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit
  Result(Status status)                      // NOLINT: implicit
      : v_(status.ok() ? Status::Internal("Result built from an OK Status")
                       : std::move(status)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace libexport

#define LIBEXPORT_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::libexport::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)

#endif  // LIBEXPORT_STATUS_H_
