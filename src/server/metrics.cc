#include "server/metrics.h"

#include <cmath>
#include <cstdio>

namespace domicile::server {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// {a="x",b="y"} plus an optional extra label (le for histogram buckets).
std::string Labels(const std::vector<std::string>& names, const LabelValues& values, const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + Escape(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
  return out.empty() ? out : out + "}";
}

}  // namespace

void Counter::Inc(const LabelValues& values, double amount) {
  if (values.size() != labels_.size() || !(amount >= 0)) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(values);
  if (it == values_.end()) {
    if (values_.size() >= kMaxSeries) {
      dropped_->fetch_add(1, std::memory_order_relaxed);
      return;
    }
    it = values_.emplace(values, 0).first;
  }
  it->second += amount;
}

void Counter::Render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, v] : values_) out += name_ + Labels(labels_, values) + " " + Number(v) + "\n";
}

void Histogram::Observe(const LabelValues& values, double value) {
  if (values.size() != labels_.size() || std::isnan(value)) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeries) {
      dropped_->fetch_add(1, std::memory_order_relaxed);
      return;
    }
    it = series_.emplace(values, Series{std::vector<uint64_t>(bounds_.size() + 1, 0), 0, 0}).first;
  }
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++it->second.buckets[i];
  it->second.sum += value;
  ++it->second.count;
}

void Histogram::Render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      const std::string le = "le=\"" + (i < bounds_.size() ? Number(bounds_[i]) : std::string("+Inf")) + "\"";
      out += name_ + "_bucket" + Labels(labels_, values, le) + " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_sum" + Labels(labels_, values) + " " + Number(s.sum) + "\n";
    out += name_ + "_count" + Labels(labels_, values) + " " + std::to_string(s.count) + "\n";
  }
}

Counter* MetricsRegistry::AddCounter(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.push_back(std::unique_ptr<Counter>(new Counter(std::move(name), std::move(help), std::move(labels), &dropped_)));
  return counters_.back().get();
}

Histogram* MetricsRegistry::AddHistogram(std::string name, std::string help, std::vector<std::string> labels,
                                         std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  histograms_.push_back(std::unique_ptr<Histogram>(
      new Histogram(std::move(name), std::move(help), std::move(labels), std::move(bounds), &dropped_)));
  return histograms_.back().get();
}

std::vector<double> MetricsRegistry::LatencyBounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : counters_) c->Render(out);
  for (const auto& h : histograms_) h->Render(out);
  out += "# HELP domicile_metrics_dropped_series_total Label combinations dropped by the series bound.\n"
         "# TYPE domicile_metrics_dropped_series_total counter\n"
         "domicile_metrics_dropped_series_total " + std::to_string(dropped_.load()) + "\n";
  return out;
}

}  // namespace domicile::server
