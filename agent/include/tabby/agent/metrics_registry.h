#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, safe to update
// from any thread, rendered in the text exposition format (version 0.0.4) that Felix's
// :9091/metrics serves. Families are created once at start-up (names and labels are fixed
// by the code, so a bad one is a programming error: std::invalid_argument); series are
// updated by label values, in the order of the family's label names.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tabby::agent {

using LabelValues = std::vector<std::string>;

// Prometheus's default buckets, in seconds.
std::vector<double> default_latency_buckets();

class MetricFamily {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> labels);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Drops a series (a peer that went away); unknown series are ignored.
  void remove(const LabelValues& labels);
  // HELP, TYPE and every series; nothing for a labelled family without series.
  void write(std::string& out) const;

 protected:
  void check_labels(const LabelValues& labels) const;
  // The series lines of one label set; `labels` is the rendered `a="x",b="y"` (or empty).
  virtual void write_series(std::string& out, const std::string& labels,
                            const LabelValues& values) const = 0;
  virtual void erase_series(const LabelValues& values) = 0;
  virtual std::vector<LabelValues> series() const = 0;

  mutable std::mutex mutex_;

 private:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
};

// Counters and gauges: one number per series.
class ScalarFamily : public MetricFamily {
 public:
  double value(const LabelValues& labels = {}) const;

 protected:
  ScalarFamily(std::string name, std::string help, Type type, std::vector<std::string> labels);
  void add_to(const LabelValues& labels, double delta);
  void set_to(const LabelValues& labels, double value);

 private:
  void write_series(std::string& out, const std::string& labels,
                    const LabelValues& values) const override;
  void erase_series(const LabelValues& values) override { values_.erase(values); }
  std::vector<LabelValues> series() const override;
  std::map<LabelValues, double> values_;
};

class CounterFamily final : public ScalarFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  void inc(const LabelValues& labels = {}, double by = 1);  // by >= 0
};

class GaugeFamily final : public ScalarFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels);
  void set(const LabelValues& labels, double value) { set_to(labels, value); }
  void set(double value) { set_to({}, value); }
  void add(const LabelValues& labels, double delta) { add_to(labels, delta); }
};

class HistogramFamily final : public MetricFamily {
 public:
  // `buckets`: strictly increasing upper bounds; +Inf is implied.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> buckets);
  void observe(const LabelValues& labels, double value);
  void observe(double value) { observe({}, value); }
  std::uint64_t count(const LabelValues& labels = {}) const;

 private:
  struct Series {
    std::vector<std::uint64_t> bucket_counts;  // not cumulative; one per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  void write_series(std::string& out, const std::string& labels,
                    const LabelValues& values) const override;
  void erase_series(const LabelValues& values) override { series_.erase(values); }
  std::vector<LabelValues> series() const override;
  std::vector<double> bounds_;
  std::map<LabelValues, Series> series_;
};

class MetricsRegistry {
 public:
  // Asking again for a name returns the same family when type and labels match.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> labels = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels,
                             std::vector<double> buckets = default_latency_buckets());

  // The text exposition of every family, sorted by name.
  std::string exposition() const;

 private:
  template <typename Family, typename... Args>
  Family& family(const std::string& name, MetricFamily::Type type,
                 const std::vector<std::string>& labels, Args&&... args);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<MetricFamily>> families_;
};

// The exposition format's pieces, exposed for tests and for the agent's own text.
std::string format_metric_value(double value);           // 1, 0.25, 1e+06, +Inf, -Inf, NaN
std::string escape_label_value(std::string_view value);  // \\, \", \n
std::string escape_help(std::string_view help);          // \\, \n

}  // namespace tabby::agent
