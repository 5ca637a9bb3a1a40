# Four MAROSOAP commitments written in Rego, for the side-by-side benchmark (benchmarks/run.py).
#
# The rules read a pledge inventory (the same JSON file pledge checks, given as the data
# document) and give, per commitment, the set of failing subjects as "type:id" strings, the way
# pledge's failing findings name them:
#   PAY-001  forbidden-storage       no card number, security code, expiry or bank account
#                                    number stored outside a third-party payment processor (a
#                                    field declared as a broader category that may hold one fails
#                                    too, unless tokenised; one labelled a card number fails even
#                                    if tokenised)
#   RET-001  retention-limit         every field of personal data is kept at most five years (ten
#                                    for legal obligations); a missing or indefinite one fails
#   CON-001  consent-gate            profiling and targeted advertising are reached from a source
#                                    of personal data only through a gate covering each purpose
#                                    (graph reach, one walk per purpose)
#   PAY-002  recipient-restriction   card data goes only to payment processors: never to an
#                                    internal node, another third party, or any purpose outside
#                                    essential service
#
# Category and purpose ids are hierarchical: a selector selects itself and its descendants.
# Written for speed as a Rego author would: selections are computed once per distinct id (sets
# looked up per field or flow), durations parsed once per distinct value, and no user function
# is called per field.
package pledge.bench

import rego.v1

# the inventory's sections, each optional in pledge's format (absent: none)
inv := {
	"data_subjects": object.get(data, "data_subjects", []),
	"systems": object.get(data, "systems", []),
	"stores": object.get(data, "stores", []),
	"flows": object.get(data, "flows", []),
	"consent_gates": object.get(data, "consent_gates", []),
	"processing_activities": object.get(data, "processing_activities", []),
}

violations := {
	"PAY-001": pay_001,
	"RET-001": ret_001,
	"CON-001": con_001,
	"PAY-002": pay_002,
}

# --- vocabulary selection, once per distinct id ---------------------------------------------
selected(id, selectors) if {
	some s in selectors
	id == s
}

selected(id, selectors) if {
	some s in selectors
	startswith(id, concat("", [s, "."]))
}

# id is a strict ancestor of a selector: a field or flow so declared may hold it
broader(id, selectors) if {
	some s in selectors
	startswith(s, concat("", [id, "."]))
}

field_categories := {f.category | some store in inv.stores; some f in store.fields}

flow_categories := {c | some flow in inv.flows; some c in flow.categories}

purposes_used := (((({p | some s in inv.systems; some p in s.purposes} | {p | some store in inv.stores; some p in store.purposes}) | {p | some store in inv.stores; some f in store.fields; some p in f.purposes}) | {p | some flow in inv.flows; some p in flow.purposes}) | {p | some a in inv.processing_activities; some p in a.purposes}) | {p | some g in inv.consent_gates; some p in g.purposes}

systems := {s.id: s | some s in inv.systems}

stores := {s.id: s | some s in inv.stores}

subjects := {s.id | some s in inv.data_subjects}

card := [
	"user.financial.credit_card.number",
	"user.financial.credit_card.cvv",
	"user.financial.credit_card.expiry",
]

# PAY-001's "full payment details": the card data, and a bank account number
payment_details := array.concat(card, ["user.financial.bank_account"])

# --- PAY-001 forbidden-storage --------------------------------------------------------------
card_held := {c | some c in field_categories; selected(c, payment_details)} | {c | some c in field_categories; broader(c, payment_details)}

# only an external processor is exempt ("not on our servers"): an internal system is not
processors := {s.id | some s in inv.systems; s.role == "payment_processor"; s.type == "third_party"}

card_exact := {c | some c in field_categories; selected(c, payment_details)}

pay_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	not processors[store.system]
	some f in store.fields
	card_exact[f.category]
}

pay_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	not processors[store.system]
	some f in store.fields
	card_held[f.category]
	not card_exact[f.category]
	not object.get(f, "tokenised", false)
}

# what a store sends, it holds: a card category sent from a store with no field of it
store_holds(store, c) if {
	some f in store.fields
	selected(f.category, [c])
}

store_holds(store, c) if {
	some f in store.fields
	selected(c, [f.category])
}

pay_001 contains sprintf("store:%s", [store.id]) if {
	some flow in inv.flows
	store := stores[flow.source]
	not processors[store.system]
	some c in flow.categories
	card_flow_category(c)
	not store_holds(store, c)
}

# PAY-001's payment details, as its fields: a bank account sent counts as card data does
card_flow_category(c) if selected(c, payment_details)

card_flow_category(c) if broader(c, payment_details)

# --- RET-001 retention-limit -------------------------------------------------------------------
personal := {c | some c in field_categories; selected(c, ["user"])}

legal := {p | some p in purposes_used; selected(p, ["essential.legal_obligation"])}

num(s) := 0 if s == ""

num(s) := to_number(s) if s != ""

# ISO 8601 duration in days (years 365.25, months 30.44 days). pledge compares durations on the
# calendar (policy_model/durations.py); the two agree on the durations inventories use against
# five- and ten-year limits (whole years or months, or days far from the limit), which is what
# the benchmark and tests/test_rego_equivalence.py feed them, and may differ at a limit's edge
# (P60M against P5Y: pledge keeps it, this rule does not).
days(d) := n if {
	m := regex.find_all_string_submatch_n(
		`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`,
		d, 1,
	)[0]
	n := ((((((num(m[1]) * 365.25) + (num(m[2]) * 30.44)) + (num(m[3]) * 7)) + num(m[4])) + (num(m[5]) / 24)) + (num(m[6]) / 1440)) + (num(m[7]) / 86400)
}

retentions := {r | some store in inv.stores; r := store.retention} | {r | some store in inv.stores; some f in store.fields; r := f.retention}

duration_days[r] := days(r) if {
	some r in retentions
	is_string(r)
	r != "indefinite"
}

# kept too long whatever the purpose (indefinite, or over ten years) ...
always_too_long := {"indefinite"} | {r | some r, d in duration_days; d > 3652.5}

# ... and too long unless kept for a legal obligation (over five years)
too_long_unless_legal := {r | some r, d in duration_days; d > 1826.25; d <= 3652.5}

stores_without_retention := {store.id | some store in inv.stores; object.get(store, "retention", null) == null}

field_is_legal(f, store) if {
	count(object.get(f, "purposes", [])) > 0
	some p in f.purposes
	legal[p]
}

field_is_legal(f, store) if {
	count(object.get(f, "purposes", [])) == 0
	some p in store_own_purposes(store)
	legal[p]
}

# the field's own retention is too long
ret_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	some f in store.fields
	always_too_long[f.retention]
	personal[f.category]
}

ret_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	some f in store.fields
	too_long_unless_legal[f.retention]
	personal[f.category]
	not field_is_legal(f, store)
}

# the field inherits its store's retention, which is too long or missing
ret_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	always_too_long[store.retention]
	some f in store.fields
	object.get(f, "retention", null) == null
	personal[f.category]
}

ret_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	too_long_unless_legal[store.retention]
	some f in store.fields
	object.get(f, "retention", null) == null
	personal[f.category]
	not field_is_legal(f, store)
}

ret_001 contains sprintf("field:%s.%s", [store.id, f.name]) if {
	some store in inv.stores
	stores_without_retention[store.id]
	some f in store.fields
	object.get(f, "retention", null) == null
	personal[f.category]
}

# --- CON-001 consent-gate ----------------------------------------------------------------------
# Judged purpose by purpose: for each targeted purpose in use, the walk starts at every source
# of personal data (data subjects, third parties and their stores) and follows the flows that
# carry personal data and pass no gate covering that purpose.
profiling := {
	"marketing.advertising.profiling",
	"marketing.advertising.first_party.targeted",
	"marketing.advertising.third_party.targeted",
	"marketing.advertising.negative_targeting",
	"personalize.content.profiling",
	"personalize.content.profiled",
}

targeted := {p | some p in purposes_used; selected(p, profiling)}

gates := {g.id: g | some g in inv.consent_gates; g.type in {"opt_in", "opt_out"}}

# the purposes each gate covers, among those that matter
covers[id] := covered if {
	some id, gate in gates
	covered := {p | some p in targeted; selected(p, gate.purposes)}
}

personal_categories := {c | some c in flow_categories; selected(c, ["user"])}

personal_flows := {i | some i, flow in inv.flows; some c in flow.categories; personal_categories[c]}

gated_for(flow, p) if covers[flow.consent_gate][p]

third_parties := {s.id | some s in inv.systems; s.type == "third_party"}

sources := (subjects | third_parties) | {s.id | some s in inv.stores; third_parties[s.system]}

activity_purposes[system] contains p if {
	some act in inv.processing_activities
	some system in act.systems
	some p in act.purposes
}

# a store that declares no purposes is kept for its system's
store_own_purposes(store) := ps if {
	own := object.get(store, "purposes", [])
	count(own) > 0
	ps := {p | some p in own}
}

store_own_purposes(store) := ps if {
	count(object.get(store, "purposes", [])) == 0
	owner := object.get(systems, store.system, {})
	ps := {p | some p in object.get(owner, "purposes", [])}
}

node_purposes(node) := ps if {
	system := systems[node]
	ps := {p | some p in system.purposes} | object.get(activity_purposes, node, set())
}

node_purposes(node) := ps if {
	store := stores[node]
	ps := store_own_purposes(store) | {p | some f in store.fields; some p in object.get(f, "purposes", [])}
}

processing_flows := {i | some i in personal_flows; some p in inv.flows[i].purposes; targeted[p]}

wanted := {p | some i in processing_flows; some p in inv.flows[i].purposes; targeted[p]} | {p | some node in object.keys(systems) | object.keys(stores); some p in node_purposes(node); targeted[p]}

# per purpose, the flows that let data through ungated, as a graph over every node
all_nodes := (subjects | object.keys(systems)) | object.keys(stores)

# keyed "purpose|source" (one pass over the flows), then one lookup per node and purpose
open_targets[key] contains flow.target if {
	some i in personal_flows
	flow := inv.flows[i]
	some p in wanted
	not gated_for(flow, p)
	key := concat("|", [p, flow.source])
}

open_graph[p] := g if {
	some p in wanted
	g := {node: object.get(open_targets, concat("|", [p, node]), set()) | some node in all_nodes}
}

reached[p] := graph.reachable(open_graph[p], sources) if some p in wanted

con_001 contains sprintf("flow:%s", [flow.id]) if {
	some i in processing_flows
	flow := inv.flows[i]
	some p in flow.purposes
	targeted[p]
	reached[p][flow.source]
	not gated_for(flow, p)
}

node_hits[node] contains p if {
	some i in personal_flows
	flow := inv.flows[i]
	node := flow.target
	some p in node_purposes(node)
	wanted[p]
	not gated_for(flow, p)
	reached[p][flow.source]
}

con_001 contains sprintf("system:%s", [node]) if {
	some node, _ in node_hits
	systems[node]
}

con_001 contains sprintf("store:%s", [node]) if {
	some node, _ in node_hits
	stores[node]
}

# every targeted purpose in use needs a covering gate that says how to opt out
used := {p | some i in processing_flows; some p in inv.flows[i].purposes; targeted[p]} | {p | some _, ps in node_hits; some p in ps}

con_001 contains sprintf("purpose:%s", [p]) if {
	some p in used
	count({id | some id, ps in covers; ps[p]}) == 0
}

con_001 contains sprintf("consent_gate:%s", [covering[0]]) if {
	some p in used
	covering := [g.id | some g in inv.consent_gates; covers[g.id][p]]
	count(covering) > 0
	count([id | some id in covering; object.get(gates[id], "mechanism", null) != null; gates[id].mechanism != ""]) == 0
}

# --- PAY-002 recipient-restriction -------------------------------------------------------------
card_carried := {c | some c in flow_categories; selected(c, card)} | {c | some c in flow_categories; broader(c, card)}

card_flows := {i | some i, flow in inv.flows; some c in flow.categories; card_carried[c]}

# the only allowed recipients: third-party payment processors and their stores
allowed_recipients := {s.id | some s in inv.systems; s.type == "third_party"; s.role == "payment_processor"} | {store.id | some store in inv.stores; systems[store.system].type == "third_party"; systems[store.system].role == "payment_processor"}

# "solely for the purpose of processing your transaction": every purpose outside essential service
banned := {p | some p in purposes_used; not selected(p, ["essential"])}

external_processors := {s.id | some s in inv.systems; s.type == "third_party"; s.role == "payment_processor"}

owner(node) := stores[node].system

owner(node) := node if not stores[node]

# "Stripe may share this information with its service providers": a processor's own declared
# sub-processor (processor_of) may receive what the processor sends it
to_own_subprocessor(flow) if {
	sender := owner(flow.source)
	external_processors[sender]
	systems[owner(flow.target)].processor_of == sender
}

pay_002 contains sprintf("flow:%s", [flow.id]) if {
	some i in card_flows
	flow := inv.flows[i]
	not allowed_recipients[flow.target]
	not to_own_subprocessor(flow)
}

pay_002 contains sprintf("flow:%s", [flow.id]) if {
	some i in card_flows
	flow := inv.flows[i]
	some p in flow.purposes
	banned[p]
}

pay_002 contains sprintf("flow:%s", [flow.id]) if {
	some i in card_flows
	flow := inv.flows[i]
	some p in node_purposes(flow.target)
	banned[p]
}
