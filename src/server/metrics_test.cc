#include "server/metrics.h"

#include <gtest/gtest.h>

namespace domicile::server {
namespace {

TEST(MetricsTest, RendersCountersInTextFormat) {
  MetricsRegistry reg;
  Counter* c = reg.AddCounter("domicile_decisions_total", "Decisions.", {"outcome", "country"});
  c->Inc({"allow", "US"});
  c->Inc({"allow", "US"}, 2);
  c->Inc({"deny", "S\"G\n"});
  c->Inc({"only-one-label"});  // wrong arity: ignored
  c->Inc({"allow", "US"}, -1);  // counters never go down
  const std::string text = reg.Render();
  EXPECT_NE(text.find("# TYPE domicile_decisions_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("domicile_decisions_total{outcome=\"allow\",country=\"US\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("domicile_decisions_total{outcome=\"deny\",country=\"S\\\"G\\n\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("only-one-label"), std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry reg;
  Histogram* h = reg.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.1, 1});
  h->Observe({"/a"}, 0.05);
  h->Observe({"/a"}, 0.1);
  h->Observe({"/a"}, 0.5);
  h->Observe({"/a"}, 7);
  const std::string text = reg.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"0.10000000000000001\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count{route=\"/a\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum{route=\"/a\"} 7.6500000000000004\n"), std::string::npos) << text;
}

TEST(MetricsTest, SeriesAreBounded) {
  MetricsRegistry reg;
  Counter* c = reg.AddCounter("c_total", "C.", {"k"});
  for (size_t i = 0; i < kMaxSeries + 5; ++i) c->Inc({std::to_string(i)});
  EXPECT_NE(reg.Render().find("domicile_metrics_dropped_series_total 5\n"), std::string::npos);
}

}  // namespace
}  // namespace domicile::server
