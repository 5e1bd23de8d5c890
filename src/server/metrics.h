// A small Prometheus metrics registry: counters and histograms with labels, rendered
// in the text exposition format (version 0.0.4) for /metrics. Label values are
// escaped; each metric keeps at most kMaxSeries label combinations (further ones are
// dropped and counted in domicile_metrics_dropped_series_total) so that a client
// cannot grow memory through label values. Thread-safe.
#ifndef DOMICILE_SERVER_METRICS_H_
#define DOMICILE_SERVER_METRICS_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace domicile::server {

inline constexpr size_t kMaxSeries = 10'000;
using LabelValues = std::vector<std::string>;

class Counter {
 public:
  // `values` must have one entry per label name; otherwise the call is ignored.
  void Inc(const LabelValues& values, double amount = 1);

 private:
  friend class MetricsRegistry;
  Counter(std::string name, std::string help, std::vector<std::string> labels, std::atomic<uint64_t>* dropped)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), dropped_(dropped) {}
  void Render(std::string& out) const;
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  std::atomic<uint64_t>* dropped_;
  mutable std::mutex mu_;
  std::map<LabelValues, double> values_;  // guarded by mu_
};

class Histogram {
 public:
  void Observe(const LabelValues& values, double value);

 private:
  friend class MetricsRegistry;
  Histogram(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> bounds,
            std::atomic<uint64_t>* dropped)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), bounds_(std::move(bounds)),
        dropped_(dropped) {}
  void Render(std::string& out) const;
  struct Series {
    std::vector<uint64_t> buckets;  // non-cumulative counts per bound, plus +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  const std::vector<double> bounds_;  // ascending
  std::atomic<uint64_t>* dropped_;
  mutable std::mutex mu_;
  std::map<LabelValues, Series> series_;  // guarded by mu_
};

class MetricsRegistry {
 public:
  // Returned pointers live as long as the registry. Names must be unique.
  Counter* AddCounter(std::string name, std::string help, std::vector<std::string> labels);
  Histogram* AddHistogram(std::string name, std::string help, std::vector<std::string> labels,
                          std::vector<double> bounds);
  // Latency buckets in seconds, 100 µs .. 10 s.
  static std::vector<double> LatencyBounds();

  std::string Render() const;  // text/plain; version=0.0.4

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Counter>> counters_;      // guarded by mu_ (the vector, not the counters)
  std::vector<std::unique_ptr<Histogram>> histograms_;  // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_METRICS_H_
