#!/usr/bin/python3
"""One HIT's whole lifecycle against Hitbank with an unmodified boto3 (Debian's python3-boto3).

Usage:
    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
    HITBANK_WORKER_ID=... HITBANK_WORKER_SECRET=... \
    AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        /usr/bin/python3 lifecycle_boto3.py http://127.0.0.1:8080

The endpoint is argv[1] (or HITBANK_ENDPOINT). The requester's credentials are read by boto3
itself from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as any boto3 program would; the worker's
(who accepts and submits through Hitbank's worker API with urllib) from HITBANK_WORKER_ID /
HITBANK_WORKER_SECRET. Secrets are not taken from argv, so they never show in `ps`.

The requester needs an available balance of at least 2.70 and no HITs. The script:
get_account_balance; create_hit (ExternalQuestion, 0.50 x 1); the worker accepts and submits;
list_assignments_for_hit; get_assignment; approve_assignment; send_bonus 1.25 with a
UniqueRequestToken, then the same call again (a RequestError); list_bonus_payments;
get_account_balance; get_hit of an unknown id; send_bonus with BonusAmount "0.9752"
(ValidationException); a second HIT, list_hits with MaxResults=1 and NextToken, the list_hits
paginator; update_expiration_for_hit + delete_hit of the second HIT; get_account_balance.

It checks every result it can check on its own (balances relative to the first one, with
MTurk's 20% fee), prints a JSON summary of what it saw on stdout, and exits 0. On the first
unexpected result it prints the reason on stderr, the partial summary on stdout, and exits 1;
when boto3 cannot be imported it exits 3.
"""

import base64
import datetime
import decimal
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

try:
    import boto3
    import botocore
    from botocore.exceptions import ClientError
except ImportError as e:  # the Java test turns this into a clear failure
    print("boto3 is not importable by %s (%s): install Debian's python3-boto3"
          % (sys.executable, e), file=sys.stderr)
    sys.exit(3)

EXTERNAL_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
    'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
    '<ExternalURL>https://example.com/task?x=1&amp;y=2</ExternalURL>'
    '<FrameHeight>600</FrameHeight></ExternalQuestion>')
ANSWERS_NS = ("{http://mechanicalturk.amazonaws.com/"
              "AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd}")
# ASCII only for now: Hitbank encodes Requester API responses as ISO-8859-1, not UTF-8,
# which breaks botocore on any non-ASCII text. Make these non-ASCII once that is fixed.
ANSWER_TEXT = "black cat <&> \"quoted\" caf\u00e9 \u2713"
BONUS_REASON = "Thanks \u2014 great work & more \u00fc"
UNKNOWN_HIT_ID = "3ZZZZNOSUCHHIT0000000000000000"
CENT = decimal.Decimal("0.01")

summary = {}


class Unexpected(Exception):
    pass


def check(condition, what, *values):
    if not condition:
        raise Unexpected(what + ("" if not values else ": " + " | ".join(map(repr, values))))


def money(text):
    """A CurrencyAmount string as a Decimal; it must have exactly two decimals."""
    check(isinstance(text, str) and re.fullmatch(r"[0-9]+\.[0-9]{2}", text) is not None,
          "not a 2-decimal CurrencyAmount string", text)
    return decimal.Decimal(text)


def fee(amount):
    """MTurk's fee: 20%, at least one cent, half up to the cent."""
    return max(CENT, (amount * decimal.Decimal("0.20")).quantize(CENT, decimal.ROUND_HALF_UP))


def ok(response):
    meta = response.get("ResponseMetadata", {})
    check(meta.get("HTTPStatusCode") == 200, "HTTP status", meta.get("HTTPStatusCode"))
    check(re.fullmatch(r"[0-9a-f-]{36}", meta.get("RequestId", "")) is not None,
          "x-amzn-RequestId", meta.get("RequestId"))
    return response


def balance(client, label):
    r = ok(client.get_account_balance())
    summary[label] = {"AvailableBalance": r.get("AvailableBalance"),
                      "OnHoldBalance": r.get("OnHoldBalance")}
    return money(r.get("AvailableBalance")), money(r.get("OnHoldBalance"))


def worker_call(endpoint, worker_id, worker_secret, path, body):
    token = base64.b64encode(("%s:%s" % (worker_id, worker_secret)).encode()).decode()
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(endpoint + path, data=data, method="POST", headers={
        "Authorization": "Basic " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    check(status == 200, "worker API POST %s" % path, status, text)
    return json.loads(text)


def iso(value):
    check(isinstance(value, datetime.datetime), "not a timestamp", value)
    return value.astimezone(datetime.timezone.utc).isoformat()


def client_error(call, **kwargs):
    """Runs a call that must fail; returns the botocore ClientError."""
    try:
        call(**kwargs)
    except ClientError as e:
        return e
    raise Unexpected("%s succeeded, but an error was expected" % call.__name__)


def lifecycle(endpoint, worker_id, worker_secret):
    summary["boto3"] = boto3.__version__
    summary["botocore"] = botocore.__version__
    summary["boto3File"] = boto3.__file__
    client = boto3.client("mturk", endpoint_url=endpoint, region_name="us-east-1")

    # --- balance, then one HIT of 0.50 x 1
    available0, held0 = balance(client, "balanceStart")
    reward = decimal.Decimal("0.50")
    bonus = decimal.Decimal("1.25")
    check(available0 >= 2 * (reward + fee(reward)) + bonus + fee(bonus),
          "the requester needs at least 2.70 available", available0)
    hit = ok(client.create_hit(
        MaxAssignments=1, AutoApprovalDelayInSeconds=86400, LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600, Reward="0.50", Title="Label images",
        Keywords="images,labels", Description="Label 10 images", Question=EXTERNAL_QUESTION,
        RequesterAnnotation="boto3-lifecycle", UniqueRequestToken="boto3-hit-1"))["HIT"]
    hit_id = hit["HITId"]
    check(re.fullmatch(r"[A-Z0-9]{30}", hit_id) is not None, "HITId", hit_id)
    check(hit["HITStatus"] == "Assignable", "new HIT's status", hit["HITStatus"])
    check(hit["Reward"] == "0.50", "Reward", hit["Reward"])
    check(hit["MaxAssignments"] == 1, "MaxAssignments", hit["MaxAssignments"])
    check(hit["Question"] == EXTERNAL_QUESTION, "Question round trip", hit["Question"])
    check(hit["RequesterAnnotation"] == "boto3-lifecycle", "RequesterAnnotation", hit)
    check(hit["NumberOfAssignmentsAvailable"] == 1, "available slots", hit)
    lifetime = (hit["Expiration"] - hit["CreationTime"]).total_seconds()
    check(abs(lifetime - 3600) < 1, "Expiration - CreationTime", lifetime)
    summary["hitId"] = hit_id
    summary["hit"] = {"HITStatus": hit["HITStatus"], "Reward": hit["Reward"],
                      "MaxAssignments": hit["MaxAssignments"], "HITTypeId": hit["HITTypeId"],
                      "CreationTime": iso(hit["CreationTime"]),
                      "Expiration": iso(hit["Expiration"])}
    available, held = balance(client, "balanceAfterCreate")
    slot = reward + fee(reward)
    check((available, held) == (available0 - slot, held0 + slot), "balance after create_hit",
          available, held)

    # --- the worker accepts and submits (Hitbank's worker API)
    accepted = worker_call(endpoint, worker_id, worker_secret,
                           "/worker/api/hits/%s/accept" % hit_id, None)
    assignment_id = accepted["AssignmentId"]
    check(accepted["AssignmentStatus"] == "Accepted", "accepted assignment", accepted)
    submitted = worker_call(endpoint, worker_id, worker_secret,
                            "/worker/api/assignments/%s/submit" % assignment_id,
                            {"Answers": {"q1": ANSWER_TEXT}})
    check(submitted["AssignmentStatus"] == "Submitted", "submitted assignment", submitted)
    summary["assignmentId"] = assignment_id

    # --- the requester reviews it
    listed = ok(client.list_assignments_for_hit(HITId=hit_id))
    check(listed["NumResults"] == 1 and len(listed["Assignments"]) == 1,
          "list_assignments_for_hit", listed)
    a = listed["Assignments"][0]
    check(a["AssignmentId"] == assignment_id and a["WorkerId"] == worker_id
          and a["HITId"] == hit_id and a["AssignmentStatus"] == "Submitted",
          "listed assignment", a)
    answers = {e.findtext(ANSWERS_NS + "QuestionIdentifier"): e.findtext(ANSWERS_NS + "FreeText")
               for e in ET.fromstring(a["Answer"]).findall(ANSWERS_NS + "Answer")}
    check(answers == {"q1": ANSWER_TEXT}, "Answer XML", a["Answer"])
    for member in ("AcceptTime", "SubmitTime", "AutoApprovalTime", "Deadline"):
        check(isinstance(a.get(member), datetime.datetime), member, a)
    summary["listedAssignment"] = {"AssignmentStatus": a["AssignmentStatus"],
                                   "WorkerId": a["WorkerId"], "Answers": answers}

    got = ok(client.get_assignment(AssignmentId=assignment_id))
    check(got["Assignment"]["AssignmentId"] == assignment_id, "get_assignment", got)
    check(got["HIT"]["HITId"] == hit_id, "get_assignment's HIT", got)

    ok(client.approve_assignment(AssignmentId=assignment_id, RequesterFeedback="Thanks!"))
    got = ok(client.get_assignment(AssignmentId=assignment_id))["Assignment"]
    check(got["AssignmentStatus"] == "Approved" and got.get("RequesterFeedback") == "Thanks!"
          and isinstance(got.get("ApprovalTime"), datetime.datetime)
          and "AutoApprovalTime" not in got, "approved assignment", got)
    summary["approvedAssignment"] = {"AssignmentStatus": got["AssignmentStatus"],
                                     "RequesterFeedback": got["RequesterFeedback"]}
    available, held = balance(client, "balanceAfterApprove")
    check((available, held) == (available0 - slot, held0), "balance after approval",
          available, held)

    # --- a bonus with a token, then the same call again
    token = "boto3-bonus-" + assignment_id
    bonus_args = dict(WorkerId=worker_id, BonusAmount="1.25", AssignmentId=assignment_id,
                      Reason=BONUS_REASON, UniqueRequestToken=token)
    sent = ok(client.send_bonus(**bonus_args))
    check(set(sent) == {"ResponseMetadata"}, "send_bonus output", sent)
    bonus_request_id = sent["ResponseMetadata"]["RequestId"]
    try:
        client.send_bonus(**bonus_args)
        raise Unexpected("the repeated send_bonus succeeded")
    except client.exceptions.RequestError as e:
        message = e.response["Error"]["Message"]
        summary["repeat"] = {
            "class": type(e).__name__,
            "code": e.response["Error"]["Code"],
            "message": message,
            "TurkErrorCode": e.response.get("TurkErrorCode"),
            "httpStatus": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "str": str(e),
        }
        check("has already been processed" in message, "repeat's message", message)
        check(message.startswith('The idempotency token "%s" has already been processed.' % token),
              "repeat's message", message)
        check(bonus_request_id in message, "repeat names the first request id",
              bonus_request_id, message)
        check(re.search(r" \([0-9]{13}\)$", message) is not None, "(<millis>) suffix", message)
        check(e.response.get("TurkErrorCode") == "AWS.MechanicalTurk.DuplicateRequest",
              "repeat's TurkErrorCode", e.response)
    summary["bonusRequestId"] = bonus_request_id

    payments = ok(client.list_bonus_payments(AssignmentId=assignment_id))
    check(payments["NumResults"] == 1 and len(payments["BonusPayments"]) == 1,
          "list_bonus_payments: exactly 1 payment", payments)
    p = payments["BonusPayments"][0]
    check(p["WorkerId"] == worker_id and p["BonusAmount"] == "1.25"
          and p["AssignmentId"] == assignment_id and p["Reason"] == BONUS_REASON
          and isinstance(p["GrantTime"], datetime.datetime), "bonus payment", p)
    by_hit = ok(client.list_bonus_payments(HITId=hit_id))
    check(by_hit["NumResults"] == 1, "list_bonus_payments by HITId", by_hit)
    summary["bonusPayments"] = [{"WorkerId": p["WorkerId"], "BonusAmount": p["BonusAmount"],
                                 "AssignmentId": p["AssignmentId"], "Reason": p["Reason"]}]

    available, held = balance(client, "balanceAfterBonus")
    spent = slot + bonus + fee(bonus)
    check((available, held) == (available0 - spent, held0), "balance after the bonus",
          available, held)

    # --- errors
    e = client_error(client.get_hit, HITId=UNKNOWN_HIT_ID)
    check(isinstance(e, client.exceptions.RequestError), "get_hit unknown: class", type(e))
    summary["unknownHit"] = {"class": type(e).__name__, "code": e.response["Error"]["Code"],
                             "message": e.response["Error"]["Message"],
                             "TurkErrorCode": e.response.get("TurkErrorCode")}
    check("does not exist" in e.response["Error"]["Message"], "get_hit unknown", e.response)

    e = client_error(client.send_bonus, WorkerId=worker_id, BonusAmount="0.9752",
                     AssignmentId=assignment_id, Reason="too precise",
                     UniqueRequestToken="boto3-bad-amount")
    summary["badAmount"] = {"class": type(e).__name__, "code": e.response["Error"]["Code"],
                            "message": e.response["Error"]["Message"],
                            "httpStatus": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    check(e.response["Error"]["Code"] == "ValidationException", "0.9752: code", e.response)

    # --- pagination over two HITs
    hit2_id = ok(client.create_hit(
        MaxAssignments=1, LifetimeInSeconds=3600, AssignmentDurationInSeconds=600,
        Reward="0.50", Title="Label more images", Description="Label 10 more images",
        Question=EXTERNAL_QUESTION))["HIT"]["HITId"]
    summary["hit2Id"] = hit2_id
    first = ok(client.list_hits(MaxResults=1))
    check(first["NumResults"] == 1 and [h["HITId"] for h in first["HITs"]] == [hit_id]
          and first.get("NextToken"), "list_hits MaxResults=1, page 1", first)
    second = ok(client.list_hits(MaxResults=1, NextToken=first["NextToken"]))
    check([h["HITId"] for h in second["HITs"]] == [hit2_id], "list_hits page 2", second)
    pages = list(client.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 1}))
    paged_ids = [h["HITId"] for page in pages for h in page["HITs"]]
    check(paged_ids == [hit_id, hit2_id], "list_hits paginator", paged_ids)
    check(not pages[-1].get("NextToken"), "the paginator's last page has a NextToken", pages[-1])
    everything = ok(client.list_hits())
    check([h["HITId"] for h in everything["HITs"]] == [hit_id, hit2_id]
          and "NextToken" not in everything, "list_hits default page", everything)
    summary["pagination"] = {
        "page1": [h["HITId"] for h in first["HITs"]],
        "page2": [h["HITId"] for h in second["HITs"]],
        "page2HasNextToken": "NextToken" in second,
        "paginatorIds": paged_ids,
        "paginatorPageSizes": [len(page["HITs"]) for page in pages],
    }

    # --- expire and delete the second HIT: its hold goes back
    ok(client.update_expiration_for_hit(HITId=hit2_id, ExpireAt=datetime.datetime(
        2015, 1, 1, tzinfo=datetime.timezone.utc)))
    status = ok(client.get_hit(HITId=hit2_id))["HIT"]["HITStatus"]
    check(status == "Reviewable", "expired HIT's status", status)
    ok(client.delete_hit(HITId=hit2_id))
    remaining = [h["HITId"] for h in ok(client.list_hits())["HITs"]]
    check(remaining == [hit_id], "list_hits after delete_hit", remaining)
    summary["hitStatusAtEnd"] = ok(client.get_hit(HITId=hit_id))["HIT"]["HITStatus"]

    available, held = balance(client, "balanceEnd")
    check((available, held) == (available0 - spent, held0), "final balance", available, held)


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HITBANK_ENDPOINT")
    worker_id = os.environ.get("HITBANK_WORKER_ID")
    worker_secret = os.environ.get("HITBANK_WORKER_SECRET")
    if not endpoint or not worker_id or not worker_secret:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        lifecycle(endpoint.rstrip("/"), worker_id, worker_secret)
        summary["ok"] = True
        return 0
    except Unexpected as e:
        summary["ok"] = False
        summary["failure"] = str(e)
        print("UNEXPECTED: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # any other client error is unexpected too
        summary["ok"] = False
        summary["failure"] = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc()
        return 1
    finally:
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))


if __name__ == "__main__":
    sys.exit(main())
