#include "webhooks/router.hpp"

#include "webhooks/http_responses.hpp"
#include "webhooks/slack_app.hpp"

namespace bot::webhooks {
namespace http = boost::beast::http;

request_handler make_router(routes r)
{
    return [r = std::move(r)](request&& req, const connection_info&, responder respond) {
        auto const path = req.target().substr(0, req.target().find('?'));
        if (path == "/healthz") {
            if (req.method() != http::verb::get && req.method() != http::verb::head)
                return respond(method_not_allowed("GET"));
            auto res = text_response(http::status::ok, r.health ? r.health() + "\n" : "{\"status\":\"ok\"}\n");
            res.set(http::field::content_type, "application/json");
            return respond(std::move(res));
        }
        if (path.starts_with("/slack/") && r.slack)
            return r.slack->handle(std::move(req), std::move(respond));
        if (path.starts_with("/teams/") && r.teams)
            return r.teams(std::move(req), std::move(respond));
        respond(text_response(http::status::not_found, "no such endpoint\n"));
    };
}

}  // namespace bot::webhooks
