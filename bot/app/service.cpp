#include "bot/app/service.hpp"

#include "bot/app/app_setup.hpp"
#include "bot/scheduler.hpp"
#include "webhooks/delivery_worker.hpp"
#include "webhooks/desk.hpp"
#include "webhooks/http_client.hpp"
#include "webhooks/router.hpp"
#include "webhooks/slack_api.hpp"
#include "webhooks/slack_app.hpp"
#include "webhooks/slack_identity_check.hpp"
#include "webhooks/slack_sender.hpp"
#include "webhooks/bot_framework_auth.hpp"
#include "webhooks/budget.hpp"
#include "webhooks/command_batches.hpp"
#include "webhooks/teams_api.hpp"
#include "webhooks/teams_app.hpp"
#include "webhooks/teams_sender.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <mutex>
#include <thread>

namespace bot::app {
namespace {
using namespace std::chrono_literals;

std::shared_ptr<const webhooks::desk_snapshot> snapshot_of(const config::settings& s)
{
    return std::make_shared<const webhooks::desk_snapshot>(webhooks::desk_snapshot{
        s.rules, s.people, s.vendor, s.slack.signing_secret, s.slack.bot_user, s.teams.webhook_secret,
        s.teams.app_id});
}

// Messages for the team's own "cli:" destinations (a terminal, a log) are logged.
class log_sender final : public webhooks::message_sender {
public:
    explicit log_sender(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}
    webhooks::send_outcome send(const outbound_message& m, const case_record*, wall_time) override
    {
        log_->info("message for {}: {}", m.to.channel, m.text);
        return {};
    }

private:
    std::shared_ptr<spdlog::logger> log_;
};

webhooks::delivery_options delivery_options_of(const config::delivery_settings& s, const service_options& o)
{
    webhooks::delivery_options out;
    out.first_retry = s.first_retry;
    out.max_retry = s.max_retry;
    out.max_attempts = s.max_attempts;
    out.channel_burst = o.channel_burst;
    out.parallel_channels = s.parallel_channels;
    return out;
}
}  // namespace

std::pair<std::string, unsigned short> parse_listen(const std::string& text)
{
    auto const colon = text.rfind(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("--listen wants HOST:PORT, got '" + text + "'");
    auto host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty())
        host = "0.0.0.0";
    unsigned port = 0;
    auto const digits = std::string_view{text}.substr(colon + 1);
    auto const [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port > 65535)
        throw std::invalid_argument("--listen wants a port from 0 to 65535, got '" + std::string{digits} + "'");
    return {host, static_cast<unsigned short>(port)};
}

struct service::impl {
    impl(config::settings s, const bot::clock& c, std::shared_ptr<spdlog::logger> l, service_options o)
        : settings(std::move(s)),
          clock(c),
          log(l ? std::move(l) : spdlog::default_logger()),
          options(o),
          store(open_store(settings, store_use::serve, clock)),
          desk(snapshot_of(settings)),
          pool(static_cast<std::size_t>(settings.server.workers)),
          timer_work(boost::asio::make_work_guard(timers)),
          tick(timers),
          client(webhooks::http_client_options{}),
          api(client, settings.slack.api_url, settings.slack.bot_token),
          slack_out(api, desk, clock),
          cli_out(log),
          delivery(*store, *store, clock, delivery_options_of(settings.delivery, o), log),
          slack_deadlines(timers.get_executor(), o.budget),
          batches([this](const std::function<void()>& body) { return store->run_batch(body); },
                  [this] { delivery.wake(); }, log),
          slack(webhooks::slack_app::deps{*store, *store, clock, desk, pool.get_executor(), timers.get_executor(),
                                          batches, slack_deadlines, &api, [this] { delivery.wake(); }, log,
                                          o.budget})
    {
        // Teams: the Bot Framework bot when an app id is configured (its password lets it
        // post); the outgoing webhook and Workflows posts need neither.
        if (!settings.teams.app_id.empty()) {
            webhooks::bot_auth_options auth_options;
            auth_options.app_id = settings.teams.app_id;
            auth_options.openid_metadata_url = settings.teams.openid_metadata_url;
            teams_auth = std::make_unique<webhooks::bot_framework_auth>(client, auth_options, clock);
            if (!settings.teams.app_password.empty())
                connector = std::make_unique<webhooks::teams_connector>(
                    client,
                    webhooks::connector_options{settings.teams.app_id, settings.teams.app_password,
                                                settings.teams.token_url, settings.teams.tenant,
                                                "https://api.botframework.com/.default"},
                    clock);
        }
        teams_out = std::make_unique<webhooks::teams_sender>(connector.get(), client, *store, desk, clock);
        teams = std::make_unique<webhooks::teams_app>(webhooks::teams_app::deps{
            *store, *store, clock, desk, pool.get_executor(), timers.get_executor(), teams_auth.get(),
            [this] { delivery.wake(); }, log, o.teams_budget});
        delivery.add_sender(platform::slack, slack_out);
        delivery.add_sender(platform::teams, *teams_out);
        delivery.add_sender(platform::cli, cli_out);
        auto const [host, port] = parse_listen(settings.server.listen);
        webhooks::server_options so;
        so.host = host;
        so.port = port;
        so.body_limit = settings.server.body_limit;
        so.read_timeout = settings.server.read_timeout;
        so.idle_timeout = settings.server.idle_timeout;
        so.threads = settings.server.threads;
        if (!settings.server.tls_certificate.empty())
            so.tls = webhooks::make_tls_context(settings.server.tls_certificate, settings.server.tls_private_key);
        webhooks::routes r;
        r.slack = &slack;
        r.teams = [this](webhooks::request&& req, webhooks::responder respond) {
            teams->handle(std::move(req), std::move(respond));
        };
        server = std::make_unique<webhooks::http_server>(so, webhooks::make_router(std::move(r)), log);
    }

    // The pass runs on the pool: the timer thread keeps answering webhook budgets
    // while a large pass writes its batches.
    void schedule_tick()
    {
        if (stopping)
            return;
        tick.expires_after(settings.scheduler.tick);
        tick.async_wait([this](boost::system::error_code ec) {
            if (ec)
                return;
            boost::asio::post(pool, [this] {
                pass();
                boost::asio::post(timers, [this] { schedule_tick(); });
            });
        });
    }

    std::size_t pass()
    {
        std::lock_guard lock{pass_mutex};
        auto const now = clock.now();
        // The flag before the snapshot: a reload in between is then re-timed by its own pass.
        bool const retime = retime_due.exchange(false);
        auto const snapshot = desk.get();
        if (retime) {
            // First after a start or a reload: deadlines stored under other support hours,
            // holidays or targets move to the current ones.
            auto const moved = retime_open_cases(*store, snapshot->rules, snapshot->people, now,
                                                 {settings.scheduler.batch, snapshot->vendor, false});
            if (!moved) {
                log->error("scheduler: re-timing open cases failed: {}", moved.error().message());
                retime_due = true;
            } else if (*moved > 0) {
                log->info("scheduler: {} open case(s) re-timed under the current support hours and targets",
                          *moved);
                delivery.wake();
            }
        }
        auto const report = run_scheduler_pass(*store, snapshot->rules, snapshot->people, now,
                                               {settings.scheduler.batch, snapshot->vendor, false});
        if (!report) {
            log->error("scheduler: pass failed: {}", report.error().message());
            return 0;
        }
        if (report->cases > 0) {
            log->info("scheduler: {} case(s) with alarms due", report->cases);
            delivery.wake();
        }
        // Platforms stop retrying events within minutes; a day of keys is plenty.
        (void)store->forget_events_before(now - 24h);
        (void)store->forget_messages_before(now - std::chrono::hours{24 * 14});
        return report->cases;
    }

    config::settings settings;
    const bot::clock& clock;
    std::shared_ptr<spdlog::logger> log;
    service_options options;
    std::unique_ptr<store::sqlite_store> store;
    webhooks::desk_state desk;
    boost::asio::thread_pool pool;
    boost::asio::io_context timers;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> timer_work;
    boost::asio::steady_timer tick;
    std::thread timer_thread;
    std::mutex pass_mutex;
    webhooks::http_client client;
    webhooks::slack_api api;
    webhooks::slack_sender slack_out;
    log_sender cli_out;
    webhooks::delivery_worker delivery;
    webhooks::answer_deadlines slack_deadlines;
    webhooks::command_batches batches;   // Slack's slash commands, buttons and forms
    webhooks::slack_app slack;
    std::unique_ptr<webhooks::bot_framework_auth> teams_auth;
    std::unique_ptr<webhooks::teams_connector> connector;
    std::unique_ptr<webhooks::teams_sender> teams_out;
    std::unique_ptr<webhooks::teams_app> teams;
    std::unique_ptr<webhooks::http_server> server;
    bool started = false;
    bool stopped = false;
    std::atomic<bool> stopping{false};
    std::atomic<bool> retime_due{true};   // the next pass re-times open cases (start, reload)
};

service::service(config::settings s, const bot::clock& clock, std::shared_ptr<spdlog::logger> log,
                 service_options options)
    : impl_(std::make_unique<impl>(std::move(s), clock, std::move(log), options))
{
}

service::~service()
{
    stop();
}

void service::start()
{
    auto& i = *impl_;
    i.server->start();
    i.timer_thread = std::thread([&i] { i.timers.run(); });
    i.delivery.start();
    if (!i.settings.slack.bot_token.empty())   // who the token is, against bot_user and slack_team
        boost::asio::post(i.pool, [&i] {
            auto const snapshot = i.desk.get();
            for (auto const& finding :
                 webhooks::check_slack_identity(i.api, snapshot->slack_bot_user, snapshot->people.team().slack_team))
                i.log->log(finding.level, finding.text);
        });
    if (i.options.scheduler_on_tick && i.settings.scheduler.tick.count() > 0)
        boost::asio::post(i.pool, [&i] {
            i.pass();   // whatever fell due while we were down goes out first
            boost::asio::post(i.timers, [&i] { i.schedule_tick(); });
        });
    i.started = true;
    i.log->info("casebot listening on {}:{} ({}), database {}", endpoint().address().to_string(), endpoint().port(),
                i.settings.server.tls_certificate.empty() ? "http" : "https", i.settings.database);
}

boost::asio::ip::tcp::endpoint service::endpoint() const
{
    return impl_->server->local_endpoint();
}

std::size_t service::run_scheduler_now()
{
    return impl_->pass();
}

void service::deliver_now()
{
    impl_->delivery.run_once();
}

void service::reload(config::settings s)
{
    auto& i = *impl_;
    if (auto synced = i.store->sync_directory(s.people); !synced)
        throw startup_error("cannot write the reloaded customers into the database: " + synced.error().message());
    i.desk.replace(snapshot_of(s));
    i.log->info("configuration reloaded: {} customers, {} channels, {} people", s.people.customers().size(),
                s.people.channels().size(), s.people.people().size());
    auto const& was = i.settings;
    std::vector<std::string_view> need_restart;
    if (s.server.listen != was.server.listen)
        need_restart.push_back("[server] listen");
    if (s.server.tls_certificate != was.server.tls_certificate || s.server.tls_private_key != was.server.tls_private_key)
        need_restart.push_back("[server] TLS certificate and key");
    if (s.server.body_limit != was.server.body_limit || s.server.read_timeout != was.server.read_timeout ||
        s.server.idle_timeout != was.server.idle_timeout || s.server.threads != was.server.threads ||
        s.server.workers != was.server.workers)
        need_restart.push_back("the rest of [server]");
    if (s.database != was.database || s.database_synchronous != was.database_synchronous)
        need_restart.push_back("database");
    // The Web API client and the Teams connector are built once, with these.
    if (s.slack.bot_token != was.slack.bot_token || s.slack.api_url != was.slack.api_url)
        need_restart.push_back("[slack] bot_token and api_url");
    if (s.teams.app_id != was.teams.app_id || s.teams.app_password != was.teams.app_password ||
        s.teams.tenant != was.teams.tenant || s.teams.openid_metadata_url != was.teams.openid_metadata_url ||
        s.teams.token_url != was.teams.token_url)
        need_restart.push_back("the Teams app's credentials and URLs");
    if (s.scheduler.tick != was.scheduler.tick || s.scheduler.batch != was.scheduler.batch)
        need_restart.push_back("[scheduler]");
    if (s.delivery.first_retry != was.delivery.first_retry || s.delivery.max_retry != was.delivery.max_retry ||
        s.delivery.max_attempts != was.delivery.max_attempts ||
        s.delivery.parallel_channels != was.delivery.parallel_channels)
        need_restart.push_back("[delivery]");
    if (!need_restart.empty())
        i.log->warn("the reload does not apply {}: they take effect at the next restart",
                    fmt::join(need_restart, ", "));
    // Support hours, holidays and targets apply now, to open cases too.
    i.retime_due = true;
    if (i.started && i.options.scheduler_on_tick)
        boost::asio::post(i.pool, [&i] { i.pass(); });
}

void service::stop()
{
    auto& i = *impl_;
    if (!i.started || i.stopped)
        return;
    i.stopped = true;
    i.stopping = true;                    // no new scheduler passes
    i.server->stop();                     // in-flight requests finish first
    i.batches.stop();                     // and the commands they started
    i.pool.join();                        // and what those left for the pool (response_url posts)
    boost::asio::post(i.timers, [&i] { i.tick.cancel(); });
    i.timer_work.reset();
    i.timers.stop();
    if (i.timer_thread.joinable())
        i.timer_thread.join();
    i.delivery.stop();                    // sends what is due, then stops
    i.log->info("casebot stopped after {} requests ({} commands in {} batches)", i.server->requests_served(),
                i.batches.commands_run(), i.batches.batches_run());
}

store::sqlite_store& service::store()
{
    return *impl_->store;
}

}  // namespace bot::app
