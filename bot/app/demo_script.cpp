#include "bot/app/demo_script.hpp"

namespace bot::app {
namespace {
using k = demo_step::kind;
constexpr const char* acme = "C0ACME";
constexpr const char* agents = "C0AGENTS";
constexpr const char* leads = "C0LEADS";
constexpr const char* globex = "19:globex@thread.tacv2";
}  // namespace

const std::vector<demo_step>& demo_script()
{
    static const std::vector<demo_step> steps{
        {k::say, "2026-03-06T22:30:00Z", "carol", acme, "new critical error Invoices fail to post since the 4.2 upgrade",
         "Friday 17:30 in New York: support closes at 18:00 and the weekend is ahead."},
        {k::say, "2026-03-06T22:31:00Z", "carol", acme, "claim 1", "Carol tries an agent's command."},
        {k::say, "2026-03-06T22:32:00Z", "gus", globex, "show 1", "Another customer asks about Acme's case."},
        {k::tick, "2026-03-06T23:00:00Z", "", "", "", "The scheduler runs as support closes: nothing is due yet."},
        {k::tick, "2026-03-09T13:15:00Z", "", "", "",
         "Monday 09:15 EDT (daylight saving began Sunday): 15 business minutes before the deadline."},
        {k::say, "2026-03-09T13:20:00Z", "ana", acme, "claim 1", "Ana claims it: that is the initial response."},
        {k::say, "2026-03-09T13:25:00Z", "ana", acme, "info 1 Which build are you on, and does every invoice fail?",
         "Ana needs more information; the status clock pauses."},
        {k::say, "2026-03-09T15:00:00Z", "carol", acme, "note 1 Build 4.2.0; only invoices over $10,000 fail.",
         "Carol answers: the status clock resumes, its deadline moved by the paused span."},
        {k::say, "2026-03-09T15:05:00Z", "carol", acme, "why 1", "Carol asks how her deadlines were computed."},
        {k::say, "2026-03-09T15:10:00Z", "carol", acme, "new change-request Add a VAT column to the invoice export",
         "A request the Support Program does not cover."},
        {k::say, "2026-03-09T20:00:00Z", "ana", acme, "update 1 Reproduced on 4.2.0; a patch is being built.",
         "Ana posts a status update: the daily clock starts again."},
        {k::tick, "2026-03-10T19:45:00Z", "", "", "", "Tuesday 15:45 EDT: the next daily update is due soon."},
        {k::tick, "2026-03-10T20:00:00Z", "", "", "", "Tuesday 16:00 EDT: nobody posted it. The leads are pinged."},
        {k::tick, "2026-03-10T21:00:00Z", "", "", "", "An hour later, still nothing: the ladder pings again."},
        {k::say, "2026-03-10T21:05:00Z", "lea", leads, "list breached", "Lea, the lead, looks at what is breached."},
        {k::say, "2026-03-10T21:10:00Z", "ana", acme, "update 1 Patch 4.2.1 is out; please upgrade and retry.",
         "Ana posts the overdue update; the pings stop."},
        {k::tick, "2026-03-10T22:00:00Z", "", "", "", "The scheduler at closing time: nothing more to send."},
        {k::say, "2026-03-11T14:00:00Z", "ana", acme, "resolve 1 Fixed in 4.2.1", "Wednesday: Ana resolves it."},
        {k::say, "2026-03-11T14:30:00Z", "carol", acme, "close 1", "Carol confirms."},
        {k::say, "2026-03-11T14:31:00Z", "ana", agents, "show 1", "The case's record."},
    };
    return steps;
}

}  // namespace bot::app
