"""The people of a running operation, as Locust users, against the loopback cluster (``make load``).

- Officers file seizure messages through the API: three commodity lines (Basel waste, Montreal ODS and used
  tyres), a route of three legs, with an ``Idempotency-Key`` and a retry with the same key when no answer came.
- Coordinators of the V-OCU list submitted seizures and validate them; each validates its own share (seizure id
  modulo the number of coordinators), as a desk splits the queue, so two never race for the same seizure.
- Analysts sign in on the login page and download the operation's data: the debrief as JSON through the API,
  the commodity lines as CSV, and stored report editions.
- Stream listeners hold ``/ws/stream/`` open and report, as request type ``WS``, the time from an event's
  creation on the server to its arrival (same machine, same clock).

Accounts and tokens come from ``load.provision`` (``LOAD_ACCOUNTS`` names its JSON file): one account per
simulated person. Pacing is per person, at a pace a person could keep (faster: a filing takes an officer minutes,
here 10 to 30 s), so the per-person download limit and the per-address sign-in limit are never what is measured,
and 50 people are 50 people, not 50 scripts each firing as fast as the server answers.
"""

import itertools
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import gevent
import websocket
from locust import HttpUser, User, between, constant, events, task
from locust.exception import StopUser

ACCOUNTS: dict[str, Any] = {}
_taken: dict[str, Iterator[int]] = {}
_lock = threading.Lock()


@events.init.add_listener
def _load_accounts(environment: Any, **_kwargs: Any) -> None:
    path = os.environ.get("LOAD_ACCOUNTS")
    if path:
        with open(path, encoding="utf-8") as handle:
            ACCOUNTS.update(json.load(handle))


def take(role: str) -> tuple[int, dict[str, str]]:
    """The next free account of ``role`` (accounts are handed out round-robin past the last one)."""
    people = ACCOUNTS["people"][role]
    with _lock:
        number = next(_taken.setdefault(role, itertools.count()))
    return number, people[number % len(people)]


def role_count(role: str) -> int:
    return len(ACCOUNTS["people"][role])


# --- filings ------------------------------------------------------------------------------------

PORTS = {"ng-customs": ("NG", "NGAPP", "Apapa"), "fr-customs": ("FR", "FRLEH", "Le Havre"),
         "nl-customs": ("NL", "NLRTM", "Rotterdam")}  # fmt: skip
ORIGINS = [("IT", "Genoa"), ("BE", "Antwerp"), ("DE", "Hamburg"), ("GB", "Felixstowe"), ("ES", "Valencia")]
TRANSIT = [("MA", "Tanger Med"), ("PT", "Sines"), ("TG", "Lomé"), ("GH", "Tema")]


def _container(rng: random.Random) -> str:
    """An ISO 6346 container number with a correct check digit."""
    owner = rng.choice(["CSQU", "MSCU", "MAEU", "TGHU", "HLXU"])
    serial = f"{rng.randrange(10**6):06d}"
    letters = {chr(ord("A") + index): value for index, value in enumerate(
        [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38]
    )}  # fmt: skip
    values = [letters[char] for char in owner] + [int(char) for char in serial]
    check = sum(value * 2**position for position, value in enumerate(values)) % 11 % 10
    return f"{owner}{serial}{check}"


def filing(*, operation: int, administration: str, rng: random.Random) -> dict[str, Any]:
    country, port, place = PORTS[administration]
    origin, transit = rng.choice(ORIGINS), rng.choice(TRANSIT)
    return {
        "operation": operation,
        "submit": True,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=rng.randint(1, 48))).isoformat(),
        "place_port": port,
        "place_function": "port",
        "direction": "import",
        "transport_mode": "1",
        "vessel_name": rng.choice(["GRANDE NIGERIA", "MSC ALINA", "CMA CGM TAGE"]),
        "containers": [_container(rng)],
        "transport_document": f"MSCU-{rng.randrange(10**6):06d}",
        "detection_methods": ["risk_profiling", "physical_examination"],
        "concealment_methods": ["misdeclaration"],
        "reasons": ["a"],
        "actions_taken": ["seized"],
        "narrative": f"Load run: mixed cargo declared as spare parts, {uuid.uuid4().hex[:8]}",
        "lines": [
            {
                "mea": "BASEL",
                "hs_code": "8549.11",
                "description": "Spent lead-acid batteries, undrained",
                "quantity": f"{rng.uniform(1, 40):.1f}",
                "unit": "TNE",
                "waste_code": "A1160",
            },
            {
                "mea": "MONTREAL",
                "hs_code": "2903.71",
                "description": "HCFC-22 in disposable cylinders",
                "quantity": f"{rng.randint(5, 400)}",
                "unit": "KGM",
                "ods_substance": "HCFC-22",
            },
            {
                "mea": "BASEL",
                "hs_code": "4012.20",
                "description": "Used tyres unfit for retreading",
                "quantity": f"{rng.uniform(1, 30):.1f}",
                "unit": "TNE",
                "waste_code": "B3140",
            },
        ],
        "route": [
            {"role": "origin", "country": origin[0], "place_port": "", "place_name": origin[1]},
            {"role": "transit", "country": transit[0], "place_port": "", "place_name": transit[1]},
            {"role": "discovery", "country": country, "place_port": "", "place_name": place},
        ],
    }


class Officer(HttpUser):
    """Files a seizure every 10 to 30 seconds (sustained, as no person could); now and then looks at the list."""

    weight = 5
    wait_time = between(10, 30)  # a filing is minutes of typing for a person; here 10 to 30 s between actions

    def on_start(self) -> None:
        number, self.account = take("officer")
        self.rng = random.Random(number)
        self.client.headers["Authorization"] = f"Bearer {self.account['token']}"

    @task(4)
    def file_seizure(self) -> None:
        body = filing(operation=ACCOUNTS["operation"], administration=self.account["administration"], rng=self.rng)
        key = uuid.uuid4().hex
        for attempt in range(3):
            with self.client.post(
                "/api/v1/seizures/", json=body, headers={"Idempotency-Key": key}, name="file seizure",
                catch_response=True,
            ) as response:  # fmt: skip
                if response.status_code == 201:
                    response.success()
                    return
                if response.status_code == 0 and attempt < 2:  # no answer at all: the same key again
                    response.success()
                    gevent.sleep(1)
                    continue
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return

    @task(1)
    def list_seizures(self) -> None:
        self.client.get(f"/api/v1/seizures/?operation={ACCOUNTS['operation']}", name="list seizures")


class Coordinator(HttpUser):
    """Works through its share of the submitted seizures, validating each."""

    weight = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.number, self.account = take("coordinator")
        self.share = self.number % role_count("coordinator")
        self.client.headers["Authorization"] = f"Bearer {self.account['token']}"

    @task
    def validate_submitted(self) -> None:
        with self.client.get(
            f"/api/v1/seizures/?operation={ACCOUNTS['operation']}&status=submitted&limit=50",
            name="list submitted", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return
            mine = [item["id"] for item in response.json()["results"] if item["id"] % role_count("coordinator") ==
                    self.share]  # fmt: skip
        for seizure_id in mine[:3]:
            with self.client.post(
                f"/api/v1/seizures/{seizure_id}/validate/", json={"comment": "Checked against the manifest."},
                name="validate seizure", catch_response=True,
            ) as answer:  # fmt: skip
                if answer.status_code != 200:
                    answer.failure(f"{answer.status_code}: {answer.text[:300]}")


def _cookie_header(cookies: dict[str, str]) -> str:
    """The production settings mark cookies Secure; on the loopback cluster, plain HTTP behind nginx where TLS
    would end, the client keeps and sends them itself, as a browser does over HTTPS."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class Analyst(HttpUser):
    """Signs in on the page once, then downloads the operation's figures now and then."""

    weight = 1
    wait_time = between(10, 20)  # ~4 downloads a minute, far inside DOWNLOAD_RATE_LIMIT per person

    def on_start(self) -> None:
        _number, self.account = take("analyst")
        page = self.client.get("/accounts/login/", name="sign in (page)")
        cookies: dict[str, str] = {"csrftoken": page.cookies.get("csrftoken") or ""}
        with self.client.post(
            "/accounts/login/", name="sign in",
            data={"username": self.account["username"], "password": self.account["password"],
                  "csrfmiddlewaretoken": cookies["csrftoken"]},
            headers={"Referer": f"{self.host}/accounts/login/", "Cookie": _cookie_header(cookies)},
            allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302 or "sessionid" not in response.cookies:
                response.failure(f"sign-in answered {response.status_code}: {response.text[:300]}")
                raise StopUser()
            cookies["sessionid"] = response.cookies["sessionid"]
        self.client.cookies.clear()
        self.client.headers["Cookie"] = _cookie_header(cookies)
        self.api = {"Authorization": f"Bearer {self.account['token']}"}

    @task(2)
    def lines_csv(self) -> None:
        with self.client.get(
            f"/reports/operations/{ACCOUNTS['operation']}/lines.csv", name="lines CSV", stream=True,
            catch_response=True,
        ) as response:  # fmt: skip
            size = sum(len(chunk) for chunk in response.iter_content(64 * 1024))
            if response.status_code != 200 or size == 0:
                response.failure(f"{response.status_code}, {size} bytes")

    @task(2)
    def debrief_json(self) -> None:
        self.client.get(
            f"/api/v1/operations/{ACCOUNTS['operation']}/report/?kind=preliminary", headers=self.api,
            name="debrief JSON",
        )  # fmt: skip

    @task(1)
    def report_file(self) -> None:
        with self.client.get(
            f"/api/v1/reports/?operation={ACCOUNTS['operation']}&status=ready", headers=self.api,
            name="list reports", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return
            ready = response.json()["results"]
        if ready:
            self.client.get(f"/reports/{ready[0]['id']}/download/pdf/", name="report PDF")


class StreamListener(User):
    """Keeps the real-time stream open; each event's delay from creation to arrival is a ``WS`` request."""

    weight = 2
    wait_time = constant(0)  # recv() blocks until an event or its timeout: waiting here would delay events
    listeners = itertools.count()

    def on_start(self) -> None:
        number = next(self.listeners)
        people = ACCOUNTS["people"]["coordinator" if number % 2 == 0 else "officer"]
        account = people[number // 2 % len(people)]  # someone who also files or validates, stream open
        url = str(self.host).replace("http://", "ws://").replace("https://", "wss://") + "/ws/stream/"
        started = time.perf_counter()
        try:
            self.socket = websocket.create_connection(
                url, header=[f"Authorization: Bearer {account['token']}"], timeout=30
            )
        except Exception as error:
            self._fire("connect", started, 0, error)
            raise StopUser() from error
        self._fire("connect", started, 0, None)
        self.socket.settimeout(5)

    def on_stop(self) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()

    def _fire(self, name: str, started: float, length: int, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=error, context={},
        )  # fmt: skip

    @task
    def listen(self) -> None:
        try:
            raw = self.socket.recv()
        except websocket.WebSocketTimeoutException:
            self.socket.send(json.dumps({"type": "ping"}))  # an idle link is checked, as the page does
            return
        except Exception as error:
            self._fire("event", time.perf_counter(), 0, error)
            raise StopUser() from error
        message = json.loads(raw)
        if "created_at" not in message:
            return
        delay = datetime.now(UTC) - datetime.fromisoformat(message["created_at"])
        self.environment.events.request.fire(
            request_type="WS", name=f"event {message.get('type', '?')}", response_time=delay.total_seconds() * 1000,
            response_length=len(raw), exception=None, context={},
        )  # fmt: skip
