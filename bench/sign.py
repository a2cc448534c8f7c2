#!/usr/bin/python3
"""Prints a SigV4-signed MTurk request as wrk Lua, for bench/bonus-load.sh.

Usage: sign.py ENDPOINT OPERATION JSON_BODY  (credentials from AWS_ACCESS_KEY_ID / _SECRET_)
A signature stays valid for 15 minutes, so wrk can replay the same signed request.
"""
import json
import os
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, operation, body = sys.argv[1], sys.argv[2], sys.argv[3]
request = AWSRequest(method="POST", url=endpoint + "/", data=body.encode(), headers={
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "MTurkRequesterServiceV20170117." + operation,
})
SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]),
          "mturk-requester", "us-east-1").add_auth(request)
print('wrk.method = "POST"')
print("wrk.body = " + json.dumps(body))
for name, value in request.headers.items():
    if name.lower() != "host":
        print("wrk.headers[%s] = %s" % (json.dumps(name), json.dumps(value)))
