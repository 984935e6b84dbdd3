#pragma once
// Which endpoint answers a request: /healthz, /slack/…, /teams/…; 404 otherwise.
// The catch-all for handler exceptions lives in the server.
#include "webhooks/http_server.hpp"

#include <functional>
#include <string>

namespace bot::webhooks {

class slack_app;

struct routes {
    slack_app* slack = nullptr;
    std::function<void(request&&, responder)> teams;   // set when Teams is configured
    std::function<std::string()> health;               // a one-line JSON status for /healthz
};

request_handler make_router(routes r);

}  // namespace bot::webhooks
