#!/usr/bin/env python3
"""Drives segnala's Open311 endpoint with third-party client libraries from
PyPI: civicbot's GeoReport v2 client (JSON, including POST) and georeport
(JSON and XML reads). XML POST goes through plain requests + xmltodict, as
those clients do it. Exits non-zero on the first mismatch.

usage: open311_client.py BASE_URL API_KEY JURISDICTION
"""
import sys

import requests
import xmltodict
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

base, key, jurisdiction = sys.argv[1], sys.argv[2], sys.argv[3]


def check(cond, what):
    if not cond:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)
    print("ok:", what)


# --- civicbot (JSON) ------------------------------------------------------
endpoint = Endpoint(id="segnala", name="segnala", base_url=base, write=True, api_key_required_for_write=True)
client = Open311Client(endpoint, jurisdiction_id=jurisdiction)
services = client.list_services()
codes = [s["service_code"] for s in services]
check("buche" in codes, "civicbot lists services")
definition = client.get_service_definition("buche")
check(definition["attributes"][0]["code"] == "pericolo", "civicbot reads a service definition")
prepared = client.create_request(
    "buche", dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
    lat=43.7230, lng=10.3966, description="Buca segnalata da un client Open311",
    attributes={"pericolo": "si"}, email="client@example.it", first_name="Ada",
)
created = prepared.response
if isinstance(created, list):
    created = created[0]
rid = created["service_request_id"]
check(rid.startswith("PI-"), f"civicbot POSTs a request ({rid})")
check(client.get_request(rid)["status"] == "open", "civicbot reads it back by id")
listed = client.list_requests(service_code="buche", status="open")
check(any(r["service_request_id"] == rid for r in listed), "civicbot finds it by filters")
check(client.get_token(rid)[0]["service_request_id"] == rid, "civicbot resolves the token")

# --- georeport (JSON and XML) --------------------------------------------
for fmt in ("json", "xml"):
    g = GeoReport(base, jurisdiction=jurisdiction, output_format=fmt)
    svc = g.get_service_list()
    svc = svc if isinstance(svc, list) else [svc]
    check(any(s["service_code"] == "buche" for s in svc), f"georeport lists services ({fmt})")
    d = g.get_service_definition("buche")
    check(d["service_code"] == "buche", f"georeport reads the definition ({fmt})")
    one = g.get_service_request(rid)
    check(one["service_request_id"] == rid and one["status"] == "open", f"georeport reads by id ({fmt})")
    many = g.get_service_requests(service_code="buche", status="open")
    many = many if isinstance(many, list) else [many]
    check(any(r["service_request_id"] == rid for r in many), f"georeport reads by filters ({fmt})")

# --- XML POST -------------------------------------------------------------
resp = requests.post(f"{base}/requests.xml", data={
    "api_key": key, "jurisdiction_id": jurisdiction, "service_code": "illuminazione",
    "lat": "43.7160", "long": "10.4010", "description": "Lampione spento", "page_size": "10",
})
check(resp.status_code == 201, f"XML POST answers 201 ({resp.status_code})")
doc = xmltodict.parse(resp.content)
xml_id = doc["service_requests"]["request"]["service_request_id"]
check(xml_id.startswith("PI-"), "XML POST returns service_requests/request/service_request_id")
bad = requests.post(f"{base}/requests.xml", data={"api_key": "wrong", "service_code": "buche", "lat": "43.72", "long": "10.39"})
check(bad.status_code == 403 and xmltodict.parse(bad.content)["errors"]["error"]["code"] == "403", "XML errors are errors/error")
print("all Open311 client checks passed")
