"""How to put an error right, said in options and commands. The library's errors say what is
wrong in the domain and name what would fix it (``needs``); this is the one place that turns
that into what to type."""

from __future__ import annotations

from batchlabel.errors import BatchlabelError

# What each need means on the command line; {names} are the error's facts.
REMEDIES: dict[str, str] = {
    "name": "give it with --name.",
    "lot": "give one with --lot.",
    "sku": "add --sku to choose the product.",
    "reason": "add --reason TEXT.",
    "database": "check the --db path.",
    "count": "use --count N to allocate new ones.",
    "allocate": "allocate some with 'batchlabel serials allocate {lot} --count N'.",
    "output": "choose another --out.",
    "unreleased_reason": "release it, or add --allow-unreleased --reason TEXT.",
    "reprint": "to print it again use 'batchlabel reprint {serial} --reason TEXT'.",
    "resume_or_reprint": "Run 'batchlabel print --resume {job}' for the ones not sent and "
    "'batchlabel reprint SERIAL... --reason TEXT' for uncertain ones that did not come out.",
    "unpack": "Use 'batchlabel unpack {carton} ... --reason TEXT'.",
    "new_carton": "Start it with 'batchlabel carton new {carton}', or pack with "
    "'batchlabel pack --new {carton} ...'.",
    "complaint": "Use 'batchlabel complaint CODE --return'.",
    "carton_label": "Use 'batchlabel carton label CARTON'.",
    "whole_batch": "To pack items of a batch without scanning each, use --lot LOT --quantity N.",
    "supplier": "add --supplier NAME.",
    "supplier_or_sku": "add --supplier NAME for the material or --sku SKU for the batch.",
    "value": "give --value only.",
    "pass_or_fail": "give --pass or --fail.",
    "checks_or_override": "Record the checks with 'batchlabel batch check', or release anyway "
    "with --override REASON.",
    "text": "say it with --text.",
    "recipe": "load one with 'batchlabel product recipe {sku} FILE'.",
    "printer": "add it with 'batchlabel printer add NAME URI', or give a URI such as "
    "tcp://HOST:9100.",
    "known_product": "'batchlabel product list' shows them.",
    "known_batch": "'batchlabel batch list' shows them.",
    "batch_serials": "'batchlabel batch show {lot}' lists its serials.",
    "known_token": "'batchlabel token list' shows them.",
    "known_material": "'batchlabel material list' shows them.",
    "known_job": "'batchlabel jobs' lists them.",
    "known_user": "'batchlabel user list' shows them.",
    "known_printer": "'batchlabel printer list' shows them.",
    "brother_dpi": "add it with --dpi 300.",
    "media": "give the printer its media with --media, e.g. --media 62.",
    "password": "choose another.",
}


def explain(error: BatchlabelError) -> str:
    """The error's sentence, and how to put it right on the command line when it says."""
    message = str(error)
    remedy = REMEDIES.get(error.needs or "")
    if remedy is None:
        return message
    try:
        how = remedy.format(**error.facts)
    except (KeyError, IndexError):  # a fact missing: say what we can rather than fail
        return message
    if how[0].isupper():
        return f"{message} {how}"
    return f"{message.rstrip('.')}; {how}"


__all__ = ["REMEDIES", "explain"]
