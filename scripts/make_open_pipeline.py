"""Writes scenarios/open-pipeline.csv: a made-up Salesforce opportunity report of the deals open
on 2027-01-01 for the 46 reps of scenarios/baseline.toml, drawn from the baseline's own
assumptions (about 5 opportunities per rep-month with inbound, outcomes 25/35/40, gamma cycle
times of mean 3 and 5 months, lognormal deal sizes of median $30K and P90 $80K).

Each open deal's stage follows its age; its close date is the rep's optimistic guess, about six
weeks before the true decision (reps forecast 4 months where the data show 6). Closed rows of
2026 are included, as a full report would have them; revsim leaves them out.
Run: python3 scripts/make_open_pipeline.py > scenarios/open-pipeline.csv (standard library
only; seeded).
"""
import csv
import datetime as dt
import math
import random
import sys

rng = random.Random(2027)
START = dt.date(2027, 1, 1)
FIRST = ["Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indigo",
         "Jordan", "Kai", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Reese",
         "Sage", "Taylor", "Uma", "Val", "Wren"]
LAST = ["Chen", "Okafor"]
REPS = [f"{f} {l}" for l in LAST for f in FIRST]  # 46 reps
Z90 = 1.2815515655446004
SIGMA = math.log(80_000 / 30_000) / Z90
STAGES = [(1, "Qualification"), (2, "Needs Analysis"), (3, "Value Proposition"),
          (5, "Proposal/Price Quote"), (999, "Negotiation/Review")]
ACCOUNTS = ["Acme", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris",
            "Juniper", "Keystone", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz",
            "Redwood", "Summit", "Tundra", "Umber", "Vertex", "Willow", "Yarrow", "Zenith"]


def poisson(lam):
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def gamma_months(mean, sd):
    shape = (mean / sd) ** 2
    return rng.gammavariate(shape, mean / shape)


def us(d):
    return f"{d.month}/{d.day}/{d.year}"


rows = []
n = 0
for owner in REPS:
    for back in range(20, 0, -1):
        month = dt.date(2027 - (back + 11) // 12, 12 - (back - 1) % 12, 1)
        for _ in range(poisson(5.0)):
            u = rng.random()
            outcome = "won" if u < 0.25 else "lost" if u < 0.60 else "no decision"
            cycle = gamma_months(5.0, 2.5) if outcome == "no decision" else gamma_months(3.0, 1.5)
            created = month + dt.timedelta(days=rng.randrange(28))
            decided = created + dt.timedelta(days=round(cycle * 30.44))
            amount = round(30_000 * math.exp(SIGMA * rng.gauss(0, 1)), -2)
            n += 1
            account = f"{rng.choice(ACCOUNTS)} {n:04d}"
            if decided < START:
                if decided.year < 2026:
                    continue
                stage = {"won": "Closed Won", "lost": "Closed Lost", "no decision": "Closed Lost"}[outcome]
                reason = "No Decision" if outcome == "no decision" else ("Price" if rng.random() < 0.5 else "Competitor")
                rows.append([owner, account, f"{account} - New", stage, f"{amount:.2f}",
                             created, decided, int(outcome == "won"), 1, "" if outcome == "won" else reason])
                continue
            age = (START.year - created.year) * 12 + START.month - created.month
            stage = next(name for upto, name in STAGES if age <= upto)
            guess = max(decided - dt.timedelta(days=45), START)
            rows.append([owner, account, f"{account} - New", stage, f"{amount:.2f}",
                         created, guess, 0, 0, ""])

rows.sort(key=lambda r: (r[5], r[1]))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["Opportunity Owner", "Account Name", "Opportunity Name", "Stage", "Amount",
            "Created Date", "Close Date", "Won", "Closed", "Loss Reason"])
for i, r in enumerate(rows):
    r[4] = "$" + f"{float(r[4]):,.2f}"
    r[5], r[6] = us(r[5]), us(r[6])
    w.writerow(r)
