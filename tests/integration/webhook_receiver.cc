#include "integration/webhook_receiver.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace strongbox::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
};

WebhookReceiver::WebhookReceiver(int fail_first, const std::string& address)
    : address_(address), fail_first_(fail_first), impl_(new Impl) {
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(address), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
  } catch (...) {
    delete impl_;
    throw;
  }
  port_ = impl_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  stop_ = true;
  // Wake the blocking accept with a connection of our own.
  try {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address(address_), port_));
  } catch (const std::exception&) {
  }
  thread_.join();
  delete impl_;
}

std::string WebhookReceiver::Url(const std::string& path) const {
  const bool ipv6 = address_.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_) + path;
}

std::vector<ReceivedPost> WebhookReceiver::Posts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return posts_;
}

std::vector<ReceivedPost> WebhookReceiver::Accepted() const {
  std::vector<ReceivedPost> out;
  for (ReceivedPost& p : Posts()) {
    if (p.answered == 200) out.push_back(std::move(p));
  }
  return out;
}

void WebhookReceiver::Serve() {
  // Reads one request on `stream` and answers it; true when the connection stays for another.
  auto answer = [this](beast::tcp_stream& stream, beast::flat_buffer& buffer, bool keep_alive) {
    boost::system::error_code error;
    bhttp::request<bhttp::string_body> request;
    // Asynchronously, on this thread: a tcp_stream's expiry bounds async operations only.
    bhttp::async_read(stream, buffer, request,
                      [&error](boost::system::error_code e, size_t) { error = e; });
    impl_->ioc.restart();
    impl_->ioc.run();
    if (error) return false;
    ReceivedPost post;
    post.target = std::string(request.target());
    for (const auto& field : request) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      post.headers[name] = std::string(field.value());
    }
    post.body = request.body();
    const bool fail = fail_all_ || fail_first_.fetch_sub(1) > 0;
    post.answered = fail ? 503 : 200;
    {
      std::lock_guard<std::mutex> lock(mu_);
      posts_.push_back(post);
    }
    bhttp::response<bhttp::string_body> response(
        fail ? bhttp::status::service_unavailable : bhttp::status::ok, 11);
    response.keep_alive(keep_alive);
    response.body() = fail ? std::string("not now") : std::string(answer_bytes_.load(), 'k');
    response.prepare_payload();
    bhttp::write(stream, response, error);
    if (double_answer_ && !error) {
      // A stray 200 the sender did not ask for: it must not take it for the next answer.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      bhttp::response<bhttp::string_body> stray(bhttp::status::ok, 11);
      stray.keep_alive(true);
      stray.prepare_payload();
      bhttp::write(stream, stray, error);
    }
    return !error && keep_alive;
  };
  while (!stop_) {
    tcp::socket socket(impl_->ioc);
    boost::system::error_code error;
    impl_->acceptor.accept(socket, error);
    if (error || stop_) continue;
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true; !stop_; first = false) {
      const int64_t keep_alive_ms = keep_alive_ms_;
      // A stuck sender cannot block the test; a kept connection waits `idle` for the next one.
      stream.expires_after(first ? std::chrono::milliseconds(5000)
                                 : std::chrono::milliseconds(keep_alive_ms));
      if (!answer(stream, buffer, keep_alive_ms > 0)) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, error);
  }
}

}  // namespace strongbox::testing
