#include "bot/app/demo_script.hpp"

namespace bot::app {
namespace {
using k = demo_step::kind;
constexpr const char* acme = "C0ACME";
constexpr const char* leads = "C0LEADS";
}  // namespace

const std::vector<demo_step>& demo_script()
{
    static const std::vector<demo_step> steps{
        {k::post, "2026-03-06T22:30:00Z", "carol", acme,
         "<@U0CASEBOT> new critical error Invoices fail to post since the 4.2 upgrade", 0,
         "Friday 17:30 in New York. Support closes at 18:00 and the weekend is ahead."},
        {k::press, "2026-03-06T22:31:00Z", "carol", acme, "case_claim", 1, "Carol presses Claim on the card."},
        {k::tick, "2026-03-06T23:00:00Z", "", "", "", 0, "The scheduler runs as support closes: nothing is due yet."},
        {k::tick, "2026-03-09T13:15:00Z", "", "", "", 0,
         "Monday 09:15 EDT (daylight saving began Sunday): 15 business minutes before the deadline."},
        {k::press, "2026-03-09T13:20:00Z", "ana", acme, "case_claim", 1,
         "Ana claims it from the card: that is the initial response."},
        {k::slash, "2026-03-09T13:25:00Z", "ana", acme, "info 1 Which build are you on, and does every invoice fail?", 0,
         "Ana needs more information; the status clock pauses."},
        {k::post, "2026-03-09T15:00:00Z", "carol", acme, "Build 4.2.0; only invoices over $10,000 fail.", 1,
         "Carol answers in the thread: the status clock resumes, its deadline moved by the paused span."},
        {k::post, "2026-03-09T15:05:00Z", "carol", acme, "<@U0CASEBOT> why 1", 1,
         "Carol asks how her deadlines were computed."},
        {k::post, "2026-03-09T20:00:00Z", "ana", acme, "Reproduced on 4.2.0; a patch is being built.", 1,
         "Ana posts a status update in the thread: the daily clock starts again."},
        {k::tick, "2026-03-10T19:45:00Z", "", "", "", 0, "Tuesday 15:45 EDT: the next daily update is due soon."},
        {k::tick, "2026-03-10T20:01:00Z", "", "", "", 0, "Tuesday 16:01 EDT: nobody posted it. The leads are pinged."},
        {k::tick, "2026-03-10T21:00:00Z", "", "", "", 0, "An hour later, still nothing: the ladder pings again."},
        {k::slash, "2026-03-10T21:05:00Z", "lea", leads, "list breached", 0, "Lea, the lead, looks at what is breached."},
        {k::post, "2026-03-10T21:10:00Z", "ana", acme, "Patch 4.2.1 is out; please upgrade and retry.", 1,
         "Ana posts the overdue update; the pings stop."},
        {k::tick, "2026-03-10T22:00:00Z", "", "", "", 0, "The scheduler at closing time: nothing more to send."},
        {k::react, "2026-03-11T14:00:00Z", "ana", acme, "white_check_mark", 1, "Wednesday: Ana marks it ✅ resolved."},
        {k::post, "2026-03-11T14:30:00Z", "carol", acme, "<@U0CASEBOT> close 1", 1, "Carol confirms the fix."},
    };
    return steps;
}

}  // namespace bot::app
