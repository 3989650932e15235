package demo

import (
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

// who is the part a person plays in a story; the cast turns it into one of
// the plan's operators.
type who int

const (
	system   who = iota // hypercare itself, opening incidents from routed alerts
	desk                // the first-line operator on shift
	lead                // the support lead
	engineer            // someone from the team the incident is assigned to
)

type stepKind int

const (
	ackStep stepKind = iota
	noteStep
	assignStep
	stateStep
)

// step is one thing done to an incident, some time after it was opened.
type step struct {
	after time.Duration
	by    who
	kind  stepKind
	text  string // the note, or the reason for a state change
	team  string // for assignStep
	to    model.IncidentState
	code  string // resolution code when to is resolved
	hold  string // hold reason when to is on hold
}

func ack(after time.Duration, by who) step { return step{after: after, by: by, kind: ackStep} }

func note(after time.Duration, by who, text string) step {
	return step{after: after, by: by, kind: noteStep, text: text}
}

func assign(after time.Duration, by who, team string) step {
	return step{after: after, by: by, kind: assignStep, team: team}
}

func move(after time.Duration, by who, to model.IncidentState, reason string) step {
	return step{after: after, by: by, kind: stateStep, to: to, text: reason}
}

// hold puts the incident on hold, waiting for reason (model.HoldReasons).
func hold(after time.Duration, by who, reason, text string) step {
	return step{after: after, by: by, kind: stateStep, to: model.StateOnHold, hold: reason, text: text}
}

func resolve(after time.Duration, by who, code string) step {
	return step{after: after, by: by, kind: stateStep, to: model.StateResolved, code: code}
}

// story is one incident or request as it unfolded over the week.
type story struct {
	opened   when
	by       who
	kind     model.Kind
	service  string
	category string
	title    string
	desc     string
	impact   model.Level
	urgency  model.Level
	alerts   []string // rule names on the service (or "service/Rule") that fired just before
	steps    []step
}

const request = model.KindRequest

// stories is the demo week: every state, all priorities, one major incident,
// a few requests, vendor escalations and a reopen. A pinned story's last
// step falls before midnight of day 7, so it is in the past at any hour of
// today; a today story's steps all fall before now.
var stories = []story{
	{opened: on(1, 7, 40), by: desk, service: "identity", category: "availability", impact: medium, urgency: high,
		title:  "Migrated customers cannot log in during the morning peak",
		desc:   "Service desk: 60+ calls since 07:15 from customers whose accounts came from the old shop. \"Password wrong\" although they reset it yesterday.",
		alerts: []string{"LoginFailures"},
		steps: []step{
			ack(hm(0, 6), desk),
			assign(hm(0, 11), desk, "platform"),
			note(hm(0, 34), engineer, "Legacy MD5 hashes are upgraded on first login. The upgrade holds a DB connection for ~400 ms and the identity pool (20) is exhausted at peak, so the login fails and the customer retries. Raising the pool to 60."),
			note(hm(1, 5), engineer, "Pool at 60 since 08:35, LoginFailures back to 1.2x baseline. The 412 accounts with duplicate emails are a separate issue (migration report)."),
			resolve(hm(1, 48), engineer, "fixed"),
			move(hm(27, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(1, 10, 15), by: desk, kind: request, service: "orders", category: "other", impact: low, urgency: medium,
		title: "Service desk needs read access to the old shop for order lookups",
		steps: []step{
			assign(hm(0, 20), desk, "payments"),
			ack(hm(1, 10), engineer),
			note(hm(2, 0), engineer, "Read-only role legacy_lookup granted to the service desk group; the old shop stays read-only for 30 days."),
			resolve(hm(2, 15), engineer, "fixed"),
			move(hm(26, 0), desk, model.StateClosed, ""),
		}},
	{opened: on(1, 19, 30), by: desk, service: "notifications", category: "performance", impact: medium, urgency: medium,
		title:  "Order confirmation emails 30+ minutes late for one mail provider",
		alerts: []string{"SMTPDeferred"},
		steps: []step{
			ack(hm(0, 9), desk),
			assign(hm(0, 15), desk, "platform"),
			note(hm(0, 50), engineer, "Relay logs 451 4.7.1 from that provider's MX hosts only. New sending IPs are throttled until their reputation builds up. No mail lost; the relay retries. Known error written."),
			resolve(hm(1, 20), engineer, "known_error"),
			move(hm(25, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(2, 3, 5), by: desk, service: "settlement", category: "batch", impact: low, urgency: medium,
		title:  "Nightly settlement batch failed: unbalanced by 0.01",
		alerts: []string{"BatchJobFailed"},
		steps: []step{
			ack(hm(0, 12), desk),
			note(hm(0, 20), desk, "First real settlement run. Log ends with unbalanced batch: diff=0.01. Calling the payments on-call as agreed in the go-live plan."),
			assign(hm(0, 22), desk, "payments"),
			note(hm(1, 5), engineer, "Half-even (AcmePay) against half-up (us) on a multi-currency refund. Finance agreed the 0.02 tolerance; re-ran with --rounding-tolerance=0.02, batch balanced."),
			resolve(hm(1, 20), engineer, "known_error"),
			move(hm(30, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(2, 8, 10), by: desk, service: "search", category: "data", impact: medium, urgency: low,
		title: "Search results show yesterday's prices after the overnight repricing",
		steps: []step{
			assign(hm(0, 10), desk, "platform"),
			ack(hm(0, 40), engineer),
			note(hm(1, 10), engineer, "The 06:15 price feed carried the overnight repricing: catalog.product-changed held 48k messages and the indexer drains ~50/s, so search lagged until about 08:40. Checkout always charges the catalog price."),
			resolve(hm(1, 30), engineer, "known_error"),
			move(hm(26, 0), desk, model.StateClosed, ""),
		}},
	{opened: on(2, 10, 20), by: desk, service: "storefront", category: "availability", impact: medium, urgency: high,
		title: "Storefront not loading for the marketing agency",
		desc:  "Agency reports the home page times out.",
		steps: []step{
			note(hm(0, 8), desk, "Home page loads from three networks and from every POP; no alert. The agency is on a VPN that blocks the CDN's new IP ranges."),
			move(hm(0, 12), desk, model.StateCancelled, "not an incident: the agency's VPN blocks EdgeCDN; they are updating their allow list"),
		}},
	{opened: on(2, 19, 40), by: desk, service: "psp-gateway", category: "performance", impact: high, urgency: medium,
		title:  "AcmePay authorisations timing out at the evening peak",
		alerts: []string{"PSPTimeouts"},
		steps: []step{
			ack(hm(0, 4), desk),
			assign(hm(0, 7), desk, "payments"),
			note(hm(0, 25), engineer, "Connect and TLS to api.acmepay.example fine; their /authorize p99 is 9.2 s. Not us. Escalating to AcmePay."),
			assign(hm(0, 30), lead, "acmepay"),
			note(hm(0, 41), lead, "AcmePay ticket ACM-90112 opened by phone. They see elevated latency on one node in Frankfurt."),
			hold(hm(0, 45), lead, "awaiting_vendor", "waiting for AcmePay to take the node out"),
			move(hm(1, 25), lead, model.StateInProgress, "AcmePay removed the node at 21:02"),
			note(hm(2, 10), desk, "Timeouts below 0.3% for 40 minutes; circuit breaker closed since 21:07."),
			resolve(hm(2, 15), lead, "fixed"),
			move(hm(28, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(3, 9, 30), by: desk, kind: request, service: "orders", category: "other", impact: low, urgency: low,
		title: "Re-send invoice for order 4100238771",
		steps: []step{
			ack(hm(0, 50), desk),
			note(hm(0, 55), desk, "Invoice re-sent from the order admin; customer confirmed by phone."),
			resolve(hm(1, 0), desk, "fixed"),
			move(hm(25, 0), desk, model.StateClosed, ""),
		}},
	{opened: on(3, 10, 0), by: lead, service: "psp-gateway", category: "performance", impact: medium, urgency: low,
		title: "Chase AcmePay for the incident report on the Frankfurt node",
		desc:  "Follow-up of the evening timeouts on day 2. We need their root cause before the peak trading days.",
		steps: []step{
			assign(hm(0, 5), lead, "acmepay"),
			ack(hm(0, 6), lead),
			note(hm(3, 0), lead, "Asked the AcmePay account manager for the report on ACM-90112; promised within 3 business days."),
			hold(hm(3, 5), lead, "awaiting_vendor", "waiting for AcmePay's incident report"),
		}},
	{opened: on(3, 11, 0), by: desk, service: "api-gateway", category: "performance", impact: medium, urgency: high,
		title:  "iOS app users rejected with 429 after app release 5.2",
		alerts: []string{"HighRateLimited"},
		steps: []step{
			ack(hm(0, 6), desk),
			assign(hm(0, 10), desk, "platform"),
			note(hm(0, 28), engineer, "429s all from client_id=orion-ios on /api/cart. Release 5.2 retries every 200 ms without backoff. Asked the web team to set the remote config retry.max=2."),
			note(hm(0, 55), engineer, "retry.max=2 live since 11:40; 429 rate 0.4% and falling."),
			resolve(hm(1, 10), engineer, "workaround"),
			move(hm(26, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(3, 14, 15), by: desk, service: "storefront", category: "availability", impact: medium, urgency: medium,
		title: "Customers report their basket emptied",
		desc:  "Six calls within 10 minutes, all guests, all \"my basket disappeared\".",
		steps: []step{
			ack(hm(0, 5), desk),
			assign(hm(0, 8), desk, "web"),
			note(hm(0, 30), engineer, "Matches the storefront rolling deploy 14:02-14:08: guest sessions live in pod memory. Known error (carts lost on deploy). Logged-in carts come back after login."),
			resolve(hm(0, 40), engineer, "known_error"),
			move(hm(20, 0), desk, model.StateInProgress, "happened again during this morning's deploy; storefront deploys were to be outside 10:00-22:00"),
			note(hm(20, 20), lead, "Release window for storefront set to 22:00-06:00 until the Redis sessions change; told the web team."),
			resolve(hm(20, 30), lead, "known_error"),
		}},
	{opened: on(3, 23, 10), by: desk, service: "orders-db", category: "capacity", impact: medium, urgency: medium,
		title:  "orders-db connections at 94% of max_connections",
		alerts: []string{"HighConnections"},
		steps: []step{
			ack(hm(0, 5), desk),
			note(hm(0, 15), desk, "Spike during the pgbouncer restart of tonight's standard change; back to 41% after 3 minutes. No failed orders."),
			move(hm(0, 18), desk, model.StateCancelled, "expected during the change; the alert resolved by itself"),
		}},
	{opened: on(4, 4, 20), by: desk, service: "catalog", category: "data", impact: medium, urgency: medium,
		title:  "Price feed rejected 1,834 rows (price <= 0)",
		alerts: []string{"PriceFeedFailed"},
		steps: []step{
			ack(hm(0, 10), desk),
			assign(hm(0, 12), desk, "platform"),
			note(hm(0, 40), engineer, "The ERP exported promotional items with price 0. Did not force the import; the ERP on-call is producing a corrected file."),
			note(hm(3, 50), engineer, "Corrected file imported at 08:02, 0 rows rejected. Search caught up by 08:25."),
			resolve(hm(4, 10), engineer, "fixed"),
			move(hm(26, 0), desk, model.StateClosed, ""),
		}},
	{opened: on(4, 8, 5), by: desk, service: "reporting", category: "batch", impact: low, urgency: medium,
		title:  "Reporting extract late; finance dashboards empty at 08:00",
		alerts: []string{"BatchJobLate"},
		steps: []step{
			ack(hm(0, 15), desk),
			assign(hm(0, 20), desk, "payments"),
			note(hm(1, 10), engineer, "The extract started at 05:00 while db-3 was 25 min behind the primary, so yesterday's last orders were missing. Re-ran it with --replace; dashboards refreshed at 09:10."),
			resolve(hm(1, 20), engineer, "fixed"),
			move(hm(25, 0), desk, model.StateClosed, ""),
		}},
	{opened: on(4, 10, 0), by: desk, kind: request, service: "reporting", category: "other", impact: low, urgency: medium,
		title: "Give the merchandising agency read access to the sales dashboards",
		steps: []step{
			assign(hm(0, 5), desk, "payments"),
			ack(hm(2, 0), engineer),
			note(hm(3, 10), engineer, "Viewer role on the Sales folder for agency-merch@; approved by the merchandising manager by email."),
			resolve(hm(3, 20), engineer, "fixed"),
		}},
	{opened: on(4, 11, 30), by: desk, service: "cdn", category: "availability", impact: low, urgency: medium,
		title: "Broken images on the new arrivals page",
		steps: []step{
			ack(hm(0, 4), desk),
			note(hm(0, 12), desk, "Origin serves the images, the edge answers 404 with age 280: a cached 404 from before the upload. Purged by tag img-new-arrivals. Known error."),
			resolve(hm(0, 15), desk, "known_error"),
			move(hm(24, 10), desk, model.StateClosed, ""),
		}},
	{opened: on(4, 21, 40), by: desk, service: "identity", category: "security", impact: medium, urgency: high,
		title:  "Credential stuffing against customer login",
		alerts: []string{"LoginFailures"},
		steps: []step{
			ack(hm(0, 3), desk),
			assign(hm(0, 5), desk, "platform"),
			note(hm(0, 9), lead, "Security category: 38k failures from 212 IPs in one hosting ASN, 1-2 attempts per account. Real customers unaffected."),
			note(hm(0, 24), engineer, "Denylisted the ASN's four /20 ranges on api-gateway; login rate limit confirmed at 10/min per IP. Failures back to baseline."),
			note(hm(1, 0), lead, "Informed the security officer; 23 accounts with a successful login from those ranges are forced to reset their password."),
			resolve(hm(1, 30), engineer, "fixed"),
			move(hm(26, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(4, 23, 35), by: desk, service: "notifications", category: "capacity", impact: medium, urgency: medium,
		title:  "notifications pods OOMKilled during the marketing send",
		alerts: []string{"PodCrashLooping"},
		steps: []step{
			ack(hm(0, 3), desk),
			assign(hm(0, 6), desk, "platform"),
			note(hm(0, 20), engineer, "Marketing sent 900k emails at once; each pod buffers templates per locale. Scaled to 8 replicas; memory limit 512Mi → 1Gi requested as a normal change."),
			resolve(hm(0, 50), engineer, "workaround"),
			move(hm(24, 30), lead, model.StateClosed, ""),
		}},
	{opened: on(5, 9, 45), by: desk, service: "payments", category: "data", impact: low, urgency: medium,
		title: "Customer sees two \"payment captured\" lines on one order",
		steps: []step{
			ack(hm(0, 10), desk),
			note(hm(0, 25), desk, "ordersctl payments shows one psp_reference, captured once; the second line is a duplicate AcmePay webhook. Customer charged once; told them so."),
			resolve(hm(0, 30), desk, "known_error"),
		}},
	{opened: on(5, 19, 28), by: system, service: "checkout", category: "availability", impact: high, urgency: high,
		title:  "Checkout failing: orders-db out of disk",
		desc:   "HighErrorRate on checkout (34% 5xx) together with DiskFull on db-1. Orders cannot be written.",
		alerts: []string{"HighErrorRate", "orders-db/DiskFull"},
		steps: []step{
			ack(hm(0, 2), desk),
			assign(hm(0, 4), desk, "platform"),
			note(hm(0, 6), lead, "STATUS: major incident. Checkout returns 5xx for about a third of orders; war room open; business owners informed. Next update in 30 min."),
			note(hm(0, 14), engineer, "db-1 data volume at 100%. pg_wal is 380 GiB: replication slot reporting_old, left from the cutover rehearsal, inactive and retaining WAL since go-live."),
			note(hm(0, 21), engineer, "DBA approved dropping reporting_old. Dropped at 19:46; 310 GiB freed after the checkpoint; writes resume."),
			note(hm(0, 36), lead, "STATUS: checkout 5xx down to 0.4%. Orders flowing at the normal rate. Orders left in payment pending will be reconciled. Next update in 30 min."),
			note(hm(0, 55), engineer, "Disk grown 1 TB → 1.5 TB as a standard change for headroom; slot monitoring added to the orders-db alert rules."),
			resolve(hm(1, 10), lead, "fixed"),
			note(hm(14, 0), lead, "RCA booked for today 14:00 with platform, payments and the DBA. Problem: orders-db disk growth."),
			move(hm(26, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(5, 20, 15), by: desk, service: "orders", category: "data", impact: medium, urgency: medium,
		title: "Orders stuck in payment pending after the checkout outage",
		desc:  "About 1,400 orders from the outage window show payment pending.",
		steps: []step{
			ack(hm(0, 3), desk),
			assign(hm(0, 5), desk, "payments"),
			note(hm(0, 40), engineer, "Reconciliation ran at 20:30 and 20:45: 1,212 confirmed, 188 cancelled (never authorised at AcmePay). Customers of cancelled orders get the standard email."),
			resolve(hm(1, 0), engineer, "fixed"),
			move(hm(26, 0), lead, model.StateClosed, ""),
		}},
	{opened: on(6, 4, 5), by: desk, service: "settlement", category: "batch", impact: medium, urgency: high,
		title:  "Nightly settlement batch missed its window",
		alerts: []string{"BatchJobMissed"},
		steps: []step{
			ack(hm(0, 5), desk),
			assign(hm(0, 8), desk, "payments"),
			note(hm(0, 55), engineer, "settlement file not found: AcmePay delivered it at 04:48 instead of 02:00. Re-run started 04:55."),
			note(hm(1, 20), engineer, "Batch balanced at 05:21. The reporting extract started after it; finance told the morning reports are late."),
			resolve(hm(1, 25), engineer, "fixed"),
		}},
	{opened: on(6, 5, 10), by: desk, service: "orders-db", category: "performance", impact: low, urgency: medium,
		title:  "Replication lag on db-3 during the reporting extract",
		alerts: []string{"ReplicationLag"},
		steps: []step{
			ack(hm(0, 20), desk),
			assign(hm(0, 25), desk, "platform"),
			note(hm(1, 0), engineer, "The extract's long query holds back replay (max_standby_streaming_delay 5 min). Lag clears when it finishes. Proposal: move the extract to 05:30 or read from a snapshot."),
			note(hm(4, 0), engineer, "Waiting for payments to agree on the new extract time."),
		}},
	{opened: on(6, 8, 30), by: desk, service: "reporting", category: "data", impact: low, urgency: medium,
		title: "Yesterday's revenue in the finance report is 8% low",
		steps: []step{
			assign(hm(0, 5), desk, "payments"),
			ack(hm(0, 30), engineer),
			note(hm(1, 0), engineer, "The extract ran while db-3 was 40 min behind. Re-ran the day with --replace; revenue matches the storefront now."),
			resolve(hm(1, 10), engineer, "fixed"),
		}},
	{opened: on(6, 9, 0), by: desk, service: "psp-gateway", category: "security", impact: medium, urgency: low,
		title:  "AcmePay client certificate expires in 15 days",
		alerts: []string{"CertExpiring"},
		steps: []step{
			ack(hm(0, 30), desk),
			assign(hm(0, 35), desk, "payments"),
			note(hm(2, 0), engineer, "CSR generated on the admin host and uploaded to the AcmePay portal; they sign within a business day."),
			note(hm(6, 0), engineer, "Roll-out to be booked as a normal change in the payments window once the signed certificate is back; AcmePay accepts both certificates for 14 days."),
		}},
	{opened: on(6, 10, 30), by: desk, service: "api-gateway", category: "security", impact: high, urgency: medium,
		title:  "api.orion-retail.example certificate expires in 2 days; cert-manager renewal failing",
		alerts: []string{"CertExpiring"},
		steps: []step{
			ack(hm(0, 10), desk),
			assign(hm(0, 12), desk, "platform"),
			note(hm(0, 45), engineer, "The DNS-01 challenge fails with 401 from the NameHost API: the API token was rotated on day 5 but secret/orion/dns still holds the old one."),
			note(hm(1, 30), engineer, "NameHost support is re-issuing the token (their account security hold). Renewal booked as a change for today; the old certificate is valid until tomorrow evening."),
		}},
	{opened: on(6, 11, 0), by: desk, kind: request, service: "checkout", category: "other", impact: low, urgency: low,
		title: "Change the colour of the checkout button",
		steps: []step{
			move(hm(0, 30), desk, model.StateCancelled, "not a support request; forwarded to the product backlog"),
		}},
	{opened: on(6, 14, 0), by: desk, kind: request, service: "settlement", category: "other", impact: low, urgency: medium,
		title: "Finance: list of rounding bookings to account 7999 for the audit",
		steps: []step{
			assign(hm(0, 10), desk, "payments"),
			ack(hm(1, 0), engineer),
			note(hm(1, 20), engineer, "Asked finance whether they need it since go-live or since the start of the month."),
			hold(hm(1, 25), engineer, "awaiting_caller", "waiting for finance to confirm the period"),
		}},
	{opened: on(6, 16, 20), by: desk, service: "cdn", category: "availability", impact: medium, urgency: high,
		title:  "EdgeCDN 5xx at the Frankfurt POP",
		alerts: []string{"Edge5xxRate"},
		steps: []step{
			ack(hm(0, 3), desk),
			note(hm(0, 10), desk, "Only fra1; x-edge-error: upstream_connect. The origin is healthy from every other POP."),
			assign(hm(0, 12), desk, "edgecdn"),
			note(hm(0, 30), lead, "EdgeCDN ticket EC-5120: a faulty transit link at fra1. They steered traffic to fra2 at 16:48."),
			resolve(hm(0, 50), lead, "fixed"),
		}},
	{opened: on(6, 18, 0), by: desk, service: "orders", category: "other", impact: low, urgency: low,
		title: "Customer cannot change the delivery address of a paid order",
		steps: []step{
			ack(hm(0, 20), desk),
			note(hm(0, 30), desk, "The order is already picked; only the carrier can change the address now. Asked the customer for the parcel number from the dispatch email."),
			hold(hm(0, 32), desk, "awaiting_caller", "waiting for the customer"),
		}},
	{opened: on(6, 20, 40), by: desk, service: "storefront", category: "performance", impact: medium, urgency: medium,
		title:  "Storefront p99 render time above 3 s at the evening peak",
		alerts: []string{"HighLatency"},
		steps: []step{
			ack(hm(0, 7), desk),
			assign(hm(0, 9), desk, "web"),
			note(hm(0, 30), engineer, "CPU throttling on storefront pods (limit 1 core). Scaled 10 → 16 replicas; p99 2.1 s. Limit increase to follow as a normal change."),
			resolve(hm(0, 45), engineer, "workaround"),
		}},
	{opened: on(6, 20, 55), by: desk, service: "payments", category: "performance", impact: medium, urgency: medium,
		title:  "Payments p99 above 1.5 s at the evening peak",
		alerts: []string{"HighLatency"},
		steps: []step{
			ack(hm(0, 8), desk),
			assign(hm(0, 10), desk, "payments"),
			note(hm(0, 40), engineer, "Latency breakdown: psp 1.1 s, db 0.2 s, self 0.1 s. AcmePay again, under the timeout. Collecting samples for ACM-90112."),
			// The lead links it to the AcmePay latency problem at 21:40 (problems.go).
			hold(hm(0, 50), engineer, "awaiting_problem", "psp-eu-1 slow at the peak again: the AcmePay latency known error. AcmePay asked to take the node out; the lasting fix is the problem's"),
		}},
	{opened: ago(9, 0), by: desk, service: "checkout", category: "availability", impact: medium, urgency: high,
		title:  "Intermittent 502 on /api/checkout/confirm",
		alerts: []string{"HighErrorRate"},
		steps: []step{
			ack(hm(0, 4), desk),
			assign(hm(0, 6), desk, "web"),
			note(hm(0, 30), engineer, "The 502s come from api-gateway when a checkout pod is terminated mid-request: the preStop hook went missing in the last release."),
			note(hm(1, 10), lead, "Priya (web L2) reviewed the fix: preStop sleep 10 s, going out tonight as an emergency change."),
		}},
	{opened: ago(7, 0), by: desk, service: "settlement", category: "data", impact: medium, urgency: medium,
		title: "AcmePay settlement file lists yesterday's refunds twice",
		steps: []step{
			ack(hm(0, 15), desk),
			assign(hm(0, 20), desk, "acmepay"),
			note(hm(0, 50), lead, "AcmePay confirmed a duplicate block in the file (ACM-90377); a corrected file is promised before the next run. Nothing was booked."),
		}},
	{opened: ago(5, 0), by: desk, kind: request, service: "identity", category: "other", impact: low, urgency: medium,
		title: "Create console accounts for three new service desk agents",
		desc:  "Starting tomorrow: operator role, SSH keys to be added to the plan."},
	{opened: ago(4, 10), by: desk, service: "notifications", category: "performance", impact: medium, urgency: high,
		title:  "notifications.email backlog above 40k",
		alerts: []string{"QueueBacklog"},
		steps: []step{
			ack(hm(0, 5), desk),
			assign(hm(0, 7), desk, "platform"),
			note(hm(0, 20), engineer, "Consumers connected but the ack rate is near 0: the SMTP relay answers 421 (too many connections). Reduced relay concurrency from 50 to 20; ack rate recovering."),
		}},
	{opened: ago(2, 0), by: desk, service: "catalog", category: "performance", impact: low, urgency: medium,
		title: "Category pages slow to load filters",
		desc:  "Two customers and the merchandising team report 5+ s on category pages with many filters."},
	{opened: ago(1, 15), by: desk, service: "identity", category: "availability", impact: medium, urgency: medium,
		title:  "Synthetic login probe failing",
		alerts: []string{"ProbeLoginFailed"}},
	{opened: ago(0, 40), by: desk, service: "orders-db", category: "performance", impact: low, urgency: low,
		title:  "Replication lag warning on orders-db",
		alerts: []string{"ReplicationLag"}},
	{opened: ago(0, 15), by: desk, service: "checkout", category: "data", impact: low, urgency: medium,
		title: "Promo code ORION20 rejected at checkout",
		desc:  "Customer on the phone: \"code not valid\" although the campaign email says it runs all week."},
}
