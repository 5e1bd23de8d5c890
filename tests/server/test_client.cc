#include "test_client.h"

#include <algorithm>
#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace domicile::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct TestConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

TestConnection::TestConnection(const std::string& source_ip, uint16_t port) : impl_(std::make_unique<Impl>()) {
  boost::system::error_code ec;
  impl_->socket.open(tcp::v4(), ec);
  if (!ec) impl_->socket.bind(tcp::endpoint(net::ip::make_address(source_ip), 0), ec);
  if (!ec) impl_->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  impl_->connected = !ec;
}

TestConnection::~TestConnection() = default;

bool TestConnection::connected() const { return impl_->connected; }

TestResponse TestConnection::Exchange(const std::string& raw) {
  TestResponse out;
  boost::system::error_code ec;
  net::write(impl_->socket, net::buffer(raw), ec);
  if (ec) return out;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(impl_->socket, impl_->buffer, parser, ec);
  if (ec) return out;
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string& value = out.headers[name];
    value += (value.empty() ? "" : ", ") + std::string(f.value());
  }
  out.body = res.body();
  return out;
}

bool TestConnection::ClosedByServer() {
  char c;
  boost::system::error_code ec;
  const size_t n = impl_->socket.read_some(net::buffer(&c, 1), ec);
  return n == 0 && ec;
}

TestResponse Get(const std::string& source_ip, uint16_t port, const std::string& path,
                 const std::string& extra_headers) {
  TestConnection c(source_ip, port);
  return c.Exchange("GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "Connection: close\r\n\r\n");
}

}  // namespace domicile::testing
