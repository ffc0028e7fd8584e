#include "tabby/agent/metrics_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace tabby::agent {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The exposition format escapes backslashes and newlines, and in label values also quotes.
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view type_name(MetricFamily::Type type) {
  switch (type) {
    case MetricFamily::Type::kCounter:
      return "counter";
    case MetricFamily::Type::kGauge:
      return "gauge";
    case MetricFamily::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string render_labels(const std::vector<std::string>& names, const LabelValues& values) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ",";
    out += fmt::format("{}=\"{}\"", names[i], escape_label_value(values[i]));
  }
  return out;
}

// `name{labels} value`, or `name value` without labels.
void write_sample(std::string& out, std::string_view name, const std::string& labels,
                  double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " " + format_metric_value(value) + "\n";
}

template <typename Map>
std::vector<LabelValues> keys(const Map& map) {
  std::vector<LabelValues> out;
  for (const auto& entry : map)
    out.push_back(entry.first);
  return out;
}

}  // namespace

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

std::string escape_label_value(std::string_view value) {
  return escape(value, true);
}

std::string escape_help(std::string_view help) {
  return escape(help, false);
}

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(labels)) {
  if (!valid_name(name_, true)) {
    throw std::invalid_argument(fmt::format("metric name \"{}\" is not a Prometheus name", name_));
  }
  for (const auto& label : label_names_) {
    if (!valid_name(label, false) || label.starts_with("__") ||
        (type_ == Type::kHistogram && label == "le")) {
      throw std::invalid_argument(
          fmt::format("metric {}: \"{}\" is not a usable label name", name_, label));
    }
  }
}

void MetricFamily::check_labels(const LabelValues& labels) const {
  if (labels.size() != label_names_.size()) {
    throw std::invalid_argument(fmt::format("metric {}: {} label values for the labels ({})", name_,
                                            labels.size(), fmt::join(label_names_, ", ")));
  }
}

void MetricFamily::remove(const LabelValues& labels) {
  std::lock_guard lock(mutex_);
  erase_series(labels);
}

void MetricFamily::write(std::string& out) const {
  std::lock_guard lock(mutex_);
  std::vector<LabelValues> all = series();
  // An unlabelled counter or gauge exists from the start, at zero, as in Go's client.
  if (all.empty() && label_names_.empty() && type_ != Type::kHistogram) all.push_back({});
  if (all.empty()) return;
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, escape_help(help_), name_,
                     type_name(type_));
  for (const auto& values : all)
    write_series(out, render_labels(label_names_, values), values);
}

ScalarFamily::ScalarFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> labels)
    : MetricFamily(std::move(name), std::move(help), type, std::move(labels)) {}

double ScalarFamily::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void ScalarFamily::add_to(const LabelValues& labels, double delta) {
  check_labels(labels);
  std::lock_guard lock(mutex_);
  values_[labels] += delta;
}

void ScalarFamily::set_to(const LabelValues& labels, double value) {
  check_labels(labels);
  std::lock_guard lock(mutex_);
  values_[labels] = value;
}

void ScalarFamily::write_series(std::string& out, const std::string& labels,
                                const LabelValues& values) const {
  auto it = values_.find(values);
  write_sample(out, name(), labels, it == values_.end() ? 0 : it->second);
}

std::vector<LabelValues> ScalarFamily::series() const {
  return keys(values_);
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : ScalarFamily(std::move(name), std::move(help), Type::kCounter, std::move(labels)) {}

void CounterFamily::inc(const LabelValues& labels, double by) {
  if (!(by >= 0)) {
    throw std::invalid_argument(fmt::format("counter {}: cannot add {}", name(), by));
  }
  add_to(labels, by);
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
    : ScalarFamily(std::move(name), std::move(help), Type::kGauge, std::move(labels)) {}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> labels, std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), Type::kHistogram, std::move(labels)),
      bounds_(std::move(buckets)) {
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1]))) {
      throw std::invalid_argument(
          fmt::format("histogram {}: buckets must be strictly increasing numbers", this->name()));
    }
  }
}

void HistogramFamily::observe(const LabelValues& labels, double value) {
  check_labels(labels);
  std::lock_guard lock(mutex_);
  Series& series = series_[labels];
  series.bucket_counts.resize(bounds_.size());
  // NaN is in no finite bucket, only in +Inf (the count).
  const auto bucket =
      std::isnan(value) ? bounds_.end() - bounds_.begin()
                        : std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  if (static_cast<std::size_t>(bucket) < bounds_.size()) ++series.bucket_counts[bucket];
  ++series.count;
  series.sum += value;
}

std::uint64_t HistogramFamily::count(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::write_series(std::string& out, const std::string& labels,
                                   const LabelValues& values) const {
  const Series& series = series_.at(values);
  const std::string prefix = labels.empty() ? "" : labels + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += series.bucket_counts[i];
    write_sample(out, name() + "_bucket",
                 prefix + fmt::format("le=\"{}\"", format_metric_value(bounds_[i])),
                 static_cast<double>(cumulative));
  }
  write_sample(out, name() + "_bucket", prefix + "le=\"+Inf\"", static_cast<double>(series.count));
  write_sample(out, name() + "_sum", labels, series.sum);
  write_sample(out, name() + "_count", labels, static_cast<double>(series.count));
}

std::vector<LabelValues> HistogramFamily::series() const {
  return keys(series_);
}

template <typename Family, typename... Args>
Family& MetricsRegistry::family(const std::string& name, MetricFamily::Type type,
                                const std::vector<std::string>& labels, Args&&... args) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second->type() != type || it->second->label_names() != labels) {
      throw std::invalid_argument(
          fmt::format("metric {}: registered again with another type or other labels", name));
    }
    return static_cast<Family&>(*it->second);
  }
  auto created = std::make_unique<Family>(name, std::forward<Args>(args)...);
  Family& result = *created;
  families_.emplace(name, std::move(created));
  return result;
}

CounterFamily& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels) {
  return family<CounterFamily>(name, MetricFamily::Type::kCounter, labels, help, labels);
}

GaugeFamily& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> labels) {
  return family<GaugeFamily>(name, MetricFamily::Type::kGauge, labels, help, labels);
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> labels,
                                            std::vector<double> buckets) {
  return family<HistogramFamily>(name, MetricFamily::Type::kHistogram, labels, help, labels,
                                 std::move(buckets));
}

std::string MetricsRegistry::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_)
    family->write(out);
  return out;
}

}  // namespace tabby::agent
