// A C++17 program using the header as C++ users do: RAII wrappers around
// the C handles, a captureless lambda as the message callback, std::atomic
// for the count. Connects to argv[1], receives its own messages, answers a
// request, and exits 0.
#include <nats.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace {

struct ConnDeleter {
    void operator()(natsConnection *nc) const { natsConnection_Destroy(nc); }
};
struct SubDeleter {
    void operator()(natsSubscription *s) const { natsSubscription_Destroy(s); }
};
struct MsgDeleter {
    void operator()(natsMsg *m) const { natsMsg_Destroy(m); }
};
using Conn = std::unique_ptr<natsConnection, ConnDeleter>;
using Sub = std::unique_ptr<natsSubscription, SubDeleter>;
using Msg = std::unique_ptr<natsMsg, MsgDeleter>;

void check(natsStatus s, const char *what) {
    if (s != NATS_OK) {
        std::fprintf(stderr, "FAIL %s: %s\n", what, natsStatus_GetText(s));
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : NATS_DEFAULT_URL;
    natsConnection *raw = nullptr;
    check(natsConnection_ConnectTo(&raw, url), "connect");
    Conn nc(raw);

    static std::atomic<int> received{0};
    natsSubscription *rs = nullptr;
    check(natsConnection_Subscribe(&rs, nc.get(), "cpp.>",
                                   [](natsConnection *c, natsSubscription *, natsMsg *m, void *) {
                                       Msg msg(m);
                                       if (natsMsg_GetReply(msg.get()) != nullptr)
                                           natsConnection_PublishString(c, natsMsg_GetReply(msg.get()), "pong");
                                       received.fetch_add(1);
                                   },
                                   nullptr),
          "subscribe");
    Sub sub(rs);

    const std::string text = "hello from C++";
    for (int i = 0; i < 10; i++)
        check(natsConnection_Publish(nc.get(), "cpp.data", text.data(), static_cast<int>(text.size())),
              "publish");
    natsMsg *reply = nullptr;
    check(natsConnection_RequestString(&reply, nc.get(), "cpp.ping", "ping", 5000), "request");
    Msg r(reply);
    if (std::strcmp(natsMsg_GetData(r.get()), "pong") != 0) {
        std::fprintf(stderr, "FAIL: unexpected reply\n");
        return 1;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (received.load() < 11 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (received.load() != 11) {
        std::fprintf(stderr, "FAIL: received %d of 11\n", received.load());
        return 1;
    }
    sub.reset();
    nc.reset();
    nats_Close();
    std::printf("PASS cpp pubsub\n");
    return 0;
}
