#include "commands/dispatcher.hpp"

namespace bot::commands {

dispatcher register_all()
{
    dispatcher d;
    d.add(verb::new_case, &new_case);
    d.add(verb::claim, &claim);
    d.add(verb::ack, &ack);
    d.add(verb::info, &info);
    d.add(verb::update, &update);
    d.add(verb::note, &note);
    d.add(verb::severity, &severity);
    d.add(verb::approve, &approve);
    d.add(verb::decline, &decline);
    d.add(verb::category, &category);
    d.add(verb::assign, &assign);
    d.add(verb::escalate, &escalate);
    d.add(verb::resolve, &resolve);
    d.add(verb::close, &close);
    d.add(verb::reopen, &reopen);
    d.add(verb::show, &show);
    d.add(verb::why, &why);
    d.add(verb::list, &list);
    d.add(verb::sla, &sla);
    d.add(verb::contacts, &contacts);
    d.add(verb::help, &help);
    return d;
}

}  // namespace bot::commands
