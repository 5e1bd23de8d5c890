// kill -9 under load: client threads write and read through the gateway from US and
// SG sources until enough responses have arrived, then the server is SIGKILLed with
// requests in flight. After a restart on the same data directory: the log verifies,
// every response that reached a client has its audit entry (same request id and
// status), and every acknowledged write is readable.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fakes/temp_dir.h"
#include "gateway_process.h"

namespace domicile::testing {
namespace {

using Json = nlohmann::json;

constexpr int kThreads = 6;
constexpr int kResponsesBeforeKill = 240;

struct Sent {
  HttpReply reply;
  std::string written_subject;  // for an acknowledged PUT: the subject, else empty
};

TEST(GatewayKill9Test, EveryReceivedResponseIsInTheLogAfterKill9) {
  TempDir dir;
  auto started = GatewayProcess::Start(dir.path());
  ASSERT_TRUE(started.ok()) << started.status().message();
  std::unique_ptr<GatewayProcess> server = std::move(*started);
  const uint16_t port = server->port();
  const std::string ingest = DemoToken("ingest");
  const std::string ana = DemoToken("ana");

  std::atomic<int> received{0};
  std::mutex mu;
  std::vector<Sent> sent;  // guarded by mu
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Even threads connect from the US, odd ones from SG (their requests are denied, and logged).
      const std::string source = (t % 2 == 0 ? "127.0.0." : "127.0.1.") + std::to_string(20 + t);
      HttpClient client(source, port);
      for (int n = 0;; ++n) {
        Sent s;
        if (n % 2 == 0) {
          const std::string subject = "k-" + std::to_string(t) + "-" + std::to_string(n);
          const Json body = {{"home", "US"}, {"data", {{"profile", {{"phone", "+1 415 555 " + std::to_string(1000 + n)}}}}}};
          s.reply = client.Send("PUT", "/v1/subjects/" + subject,
                                {{"Authorization", "Bearer " + ingest}, {"Domicile-Purpose", "ingest"}}, body.dump());
          if (s.reply.status == 200) s.written_subject = subject;
        } else {
          const std::string subject = "k-" + std::to_string(t) + "-" + std::to_string(n - 1);
          s.reply = client.Send("GET", "/v1/subjects/" + subject + "/profile?fields=phone",
                                {{"Authorization", "Bearer " + ana}, {"Domicile-Purpose", "investigation"}});
        }
        if (s.reply.status == 0) return;  // the server is gone
        received.fetch_add(1);
        std::lock_guard lock(mu);
        sent.push_back(std::move(s));
      }
    });
  }
  // Kill once enough responses have arrived (a count, not a time); give up after 60 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (received.load() < kResponsesBeforeKill && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server->Kill();
  for (std::thread& t : threads) t.join();
  ASSERT_GE(received.load(), kResponsesBeforeKill) << "the load did not get going";

  // Restart on the same directory: recovery from the last published checkpoint.
  started = GatewayProcess::Start(dir.path());
  ASSERT_TRUE(started.ok()) << started.status().message();
  server = std::move(*started);
  HttpClient reader("127.0.0.9", server->port());
  size_t writes = 0;
  for (const Sent& s : sent) {
    if (s.written_subject.empty()) continue;
    ++writes;
    HttpReply r = reader.Send("GET", "/v1/subjects/" + s.written_subject + "/profile?fields=phone",
                              {{"Authorization", "Bearer " + ana}, {"Domicile-Purpose", "investigation"}});
    EXPECT_EQ(r.status, 200) << "acknowledged write of " << s.written_subject << " lost: " << r.body;
  }
  EXPECT_GT(writes, 0u);
  ASSERT_TRUE(server->Terminate().ok());

  auto size = VerifyLog(dir.path());
  ASSERT_TRUE(size.ok()) << size.status().message();
  EXPECT_GE(*size, sent.size() + writes);
  int allowed = 0, denied = 0;
  for (const Sent& s : sent) {
    const int64_t index = s.reply.AuditIndex();
    ASSERT_GE(index, 0) << "response without Domicile-Audit-Index: " << s.reply.status << " " << s.reply.body;
    auto entry = ReadLogEntry(LogDir(dir.path()), static_cast<uint64_t>(index));
    ASSERT_TRUE(entry.ok()) << "response " << s.reply.RequestId() << " acknowledged audit entry " << index
                            << " that is not in the log: " << entry.status().message();
    const Json e = Json::parse(*entry);
    EXPECT_EQ(e.value("request_id", ""), s.reply.RequestId());
    EXPECT_EQ(e.value("status", 0), s.reply.status);
    (s.reply.status == 200 ? allowed : denied)++;
  }
  // Both kinds were exercised: US writes and reads allowed, SG ones denied.
  EXPECT_GT(allowed, 0);
  EXPECT_GT(denied, 0);
}

}  // namespace
}  // namespace domicile::testing
