// See summary.hpp.
#include "parley/metrics/summary.hpp"

#include <algorithm>

namespace parley::metrics {

Counts& Counts::operator+=(const Counts& o) {
  sent += o.sent;
  acked += o.acked;
  delivered += o.delivered;
  duplicated += o.duplicated;
  reordered += o.reordered;
  missing += o.missing;
  errors += o.errors;
  return *this;
}

LatencySummary summarize(const Histogram& h) {
  return LatencySummary{h.count(),           h.min(),            h.mean(),
                        h.percentile(50),    h.percentile(90),   h.percentile(99),
                        h.percentile(99.9),  h.percentile(99.99), h.max()};
}

std::vector<SloVerdict> evaluate_slos(const scenario::Slos& slos, const Counts& counts,
                                      const LatencySummary& ack, const LatencySummary& delivery) {
  const double delivery_ms = static_cast<double>(delivery.p99_us) / 1000.0;
  const double ack_ms = static_cast<double>(ack.p99_us) / 1000.0;
  const double error_rate =
      counts.sent ? static_cast<double>(counts.errors) / static_cast<double>(counts.sent) : 0;
  const auto missing = static_cast<double>(counts.missing);
  return {
      {"p99_delivery_ms", slos.p99_delivery_ms, delivery_ms, delivery_ms <= slos.p99_delivery_ms},
      {"p99_ack_ms", slos.p99_ack_ms, ack_ms, ack_ms <= slos.p99_ack_ms},
      {"zero_loss", 0, missing, !slos.zero_loss || counts.missing == 0},
      {"max_error_rate", slos.max_error_rate, error_rate, error_rate <= slos.max_error_rate},
  };
}

Summary make_summary(double duration_s, const Counts& counts,
                     const std::map<std::string, Histogram>& histograms,
                     const scenario::Slos& slos) {
  Summary summary;
  summary.duration_s = duration_s;
  summary.counts = counts;
  for (const auto& [name, histogram] : histograms) summary.latency[name] = summarize(histogram);
  const auto ack = summary.latency.count("ack") ? summary.latency["ack"] : LatencySummary{};
  const auto delivery =
      summary.latency.count("delivery") ? summary.latency["delivery"] : LatencySummary{};
  summary.slos = evaluate_slos(slos, counts, ack, delivery);
  summary.pass = std::all_of(summary.slos.begin(), summary.slos.end(),
                             [](const SloVerdict& v) { return v.pass; });
  return summary;
}

}  // namespace parley::metrics
