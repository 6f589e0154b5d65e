#include "ops/metrics_text.h"

#include <cmath>

#include "core/json_util.h"

namespace strongbox::ops {

namespace {

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return core::FormatJsonNumber(value);  // integers exactly, others in shortest round-trip form
}

}  // namespace

void MetricsText::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void MetricsText::WriteLabels(const Labels& labels, std::string_view extra_name,
                              std::string_view extra_value) {
  if (labels.empty() && extra_name.empty()) return;
  out_ += '{';
  bool first = true;
  auto write = [&](std::string_view name, std::string_view value) {
    if (!first) out_ += ',';
    first = false;
    out_.append(name).append("=\"");
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out_ += '\\';
        out_ += c;
      } else if (c == '\n') {
        out_.append("\\n");
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  };
  for (const auto& [name, value] : labels) write(name, value);
  if (!extra_name.empty()) write(extra_name, extra_value);
  out_ += '}';
}

void MetricsText::Sample(std::string_view name, const Labels& labels, double value) {
  out_.append(name);
  WriteLabels(labels);
  out_.append(" ").append(FormatValue(value)).append("\n");
}

void MetricsText::HistogramSeries(std::string_view name, const Labels& labels,
                                  const core::Histogram::Snapshot& snapshot) {
  const std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    out_.append(bucket);
    const double bound = i < snapshot.upper_bounds.size() ? snapshot.upper_bounds[i] : INFINITY;
    WriteLabels(labels, "le", FormatValue(bound));
    out_.append(" ").append(std::to_string(snapshot.cumulative[i])).append("\n");
  }
  Sample(std::string(name) + "_sum", labels, snapshot.sum);
  Sample(std::string(name) + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace strongbox::ops
