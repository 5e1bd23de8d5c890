// A deliberately raw HTTP client for the loopback tests: binds to a chosen local
// address (so the server sees a 127.x.y.z peer), sends bytes as given (malformed
// requests included) and parses the response with Beast.
#ifndef DOMICILE_TESTS_SERVER_TEST_CLIENT_H_
#define DOMICILE_TESTS_SERVER_TEST_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace domicile::testing {

struct TestResponse {
  int status = 0;  // 0: no response (connection closed or failed)
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ", "
  std::string body;
};

// One connection from `source_ip` to 127.0.0.1:`port`.
class TestConnection {
 public:
  TestConnection(const std::string& source_ip, uint16_t port);
  ~TestConnection();
  bool connected() const;
  // Sends `raw` and reads one response.
  TestResponse Exchange(const std::string& raw);
  // True if the server closed the connection (read returns EOF/error) without sending.
  bool ClosedByServer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// GET `path` with extra header lines ("Name: value\r\n"…), Connection: close.
TestResponse Get(const std::string& source_ip, uint16_t port, const std::string& path,
                 const std::string& extra_headers = "");

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_SERVER_TEST_CLIENT_H_
