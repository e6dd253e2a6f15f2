#!/usr/bin/env python3
"""Generates one Acceptance Devices Secret Key the way a Python integrator would with the official SDK.

The baseline for benches/run.sh: the same request `mpos-keygen generate <MID>` sends, signed by the official
`cybersource-rest-client-python` (0.0.80) package's own HTTP Signature code, sent to the same endpoint.

    sdk_generate.py MID        (reads MPOS_KEYGEN_ENV, MPOS_KEYGEN_KEY_ID, MPOS_KEYGEN_SECRET, MPOS_KEYGEN_ORG)

The key's owner (MPOS_KEYGEN_ORG, else the MID itself) is the SDK's `merchantid`: it goes into the
`v-c-merchant-id` header and signing line, while the body asks for a key for MID, exactly as
`mpos-keygen generate MID` does with the same variables (the emulator's demo key belongs to demo_portfolio).

What comes from the SDK, unchanged:
- `MerchantConfiguration` built from the usual configuration dictionary (authentication_type
  "http_signature", merchantid, merchant_keyid, merchant_secretkey, run_environment) and validated by
  `validate_merchant_details`, as `ApiClient.set_configuration` does;
- the Date header from `MerchantConfiguration.get_time()`;
- the Signature header from `Authorization().get_token(...)`, i.e. `HTTPSignatureToken` +
  `GetSignatureParameter` (host, date, request-target, digest, v-c-merchant-id; HMAC-SHA256);
- the Digest header from `DigestAndPayload.string_digest_generation`;
- the header set of `ApiClient.call_authentication_header` (v-c-merchant-id, Date, Host, Digest,
  Signature, User-Agent, v-c-client-id) and the Content-Type/Accept of the KMS API.

What is adapted for a local http://127.0.0.1:PORT emulator, and why:
- `run_environment` is the bare `127.0.0.1:PORT`: the SDK puts `run_environment` verbatim into the signed
  `host:` line and the `Host` header (`request_host`), so it must be exactly the Host header sent, port
  included. (A real run uses `apitest.cybersource.com`, which is the same kind of bare host name.)
- The request goes over plain HTTP with urllib: the SDK's ApiClient always prefixes a bare host with
  `https://` (GlobalLabelParameters.HTTP_URL_PREFIX), and the emulator speaks plain HTTP. The SDK's own
  `IntermediateHost` setting would also reroute the URL; urllib keeps the script small and avoids its
  urllib3-future transport, so the comparison is about the SDK's signing and start-up, not its HTTP stack.
- Logging stays off, the SDK's default (no `log_config` in the dictionary).

Prints the key as `<MID> <externalOrganizationId> <keyId>` and exits 0 only for HTTP 201 with an ACTIVE key.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

# `CyberSource` first: importing `authenticationsdk` on its own hits a circular import inside the SDK
# (CertificateUtility -> CyberSource -> api_client -> MerchantConfiguration -> CertificateUtility).
import CyberSource  # noqa: F401  (imported for its side effect, as every SDK sample does)
from authenticationsdk.core.Authorization import Authorization
from authenticationsdk.core.MerchantConfiguration import MerchantConfiguration
from authenticationsdk.payloaddigest.PayLoadDigest import DigestAndPayload
from authenticationsdk.util.GlobalLabelParameters import GlobalLabelParameters

KEYS_PATH = "/kms/v2/keys-sym-pos"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: sdk_generate.py MID", file=sys.stderr)
        return 2
    mid = sys.argv[1]
    base_url = os.environ["MPOS_KEYGEN_ENV"].rstrip("/")
    host = urllib.parse.urlsplit(base_url).netloc  # 127.0.0.1:PORT, exactly the Host header sent

    config = {
        "authentication_type": "http_signature",
        "merchantid": os.environ.get("MPOS_KEYGEN_ORG") or mid,
        "merchant_keyid": os.environ["MPOS_KEYGEN_KEY_ID"],
        "merchant_secretkey": os.environ["MPOS_KEYGEN_SECRET"],
        "run_environment": host,
        # No "log_config": the SDK's default LogConfiguration has logging off. (Passing one with logging
        # off breaks validate_merchant_details, which then json.dumps the LogConfiguration object.)
    }
    mconfig = MerchantConfiguration()
    mconfig.set_merchantconfig(config)
    mconfig.validate_merchant_details(config)

    # The SDK serializes a request model with json.dumps; the body signed is the body sent.
    body = json.dumps({"keyInformation": [{"organizationId": mid}]})
    date = mconfig.get_time()
    signature = Authorization().get_token(mconfig, date, "POST", KEYS_PATH, body)
    if not signature:
        print("sdk_generate: the SDK produced no signature (see its log)", file=sys.stderr)
        return 1
    digest = DigestAndPayload().string_digest_generation(body).decode("utf-8")

    headers = {
        "Content-Type": "application/json;charset=utf-8",
        "Accept": "application/hal+json;charset=utf-8",
        "v-c-client-id": "cybs-rest-sdk-python-0.0.80",
        "Accept-Encoding": "*",
        "v-c-merchant-id": mconfig.merchant_id,
        "Date": date,
        "Host": mconfig.request_host,
        "User-Agent": GlobalLabelParameters.USER_AGENT_VALUE,
        GlobalLabelParameters.DIGEST: GlobalLabelParameters.DIGEST_PREFIX + digest,
        "Signature": signature,
    }
    request = urllib.request.Request(
        base_url + KEYS_PATH, data=body.encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as err:
        reason = err.headers.get("x-emulator-rejection", "")
        print(f"sdk_generate: HTTP {err.code} {reason}: {err.read()[:300]!r}", file=sys.stderr)
        return 1
    if status != 201:
        print(f"sdk_generate: HTTP {status}, expected 201", file=sys.stderr)
        return 1
    for info in json.loads(payload).get("keyInformation", []):
        if info.get("status") != "ACTIVE" or not info.get("key"):
            print(f"sdk_generate: key not issued: {info.get('message')}", file=sys.stderr)
            return 1
        print(info["organizationId"], info.get("externalOrganizationId"), info.get("keyId"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
