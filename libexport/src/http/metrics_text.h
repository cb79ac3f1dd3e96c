// Writing the Prometheus text format (version 0.0.4): a family's HELP and
// TYPE lines, then its samples. Label values here are our own (route names,
// tracker ids, reasons): none needs escaping.
#ifndef LIBEXPORT_SRC_HTTP_METRICS_TEXT_H_
#define LIBEXPORT_SRC_HTTP_METRICS_TEXT_H_

#include <cstdio>
#include <string>
#include <string_view>

namespace libexport::http {

// "# HELP name help\n# TYPE name type\n"; type: counter, gauge, histogram.
inline void AppendFamily(std::string* out, std::string_view name,
                         std::string_view type, std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help);
  out->append("\n# TYPE ").append(name).append(" ").append(type);
  out->append("\n");
}

// "name{labels} value\n"; `labels` is `a="x",b="y"` or empty.
inline void AppendSample(std::string* out, std::string_view name,
                         std::string_view labels, double value) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.15g", value);
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(buf).append("\n");
}

// A one-sample family.
inline void AppendMetric(std::string* out, std::string_view name,
                         std::string_view type, std::string_view help,
                         double value) {
  AppendFamily(out, name, type, help);
  AppendSample(out, name, "", value);
}

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_METRICS_TEXT_H_
