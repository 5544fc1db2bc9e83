# METADATA
# title: Audit
# description: >-
#   The decision's audit section: how much the record keeps (the retention level) and what
#   the gateway does when its audit queue is full and the record could not be kept. Both
#   come from the tenant's tier; a full queue refuses the request unless the tier says allow.
package kordon.audit

import data.kordon.request
import data.kordon.retention

# METADATA
# title: On queue full
# description: >-
#   "allow" only when the tier says exactly that: the request is then served even though its
#   record may be lost; "deny" otherwise (unset, invalid, unknown tenant or tier).
# scope: document
default on_queue_full := "deny"

on_queue_full := "allow" if request.tier.audit.on_queue_full == "allow"

# METADATA
# title: Section
# description: The decision's audit object for an allowed request.
section := {"level": retention.audit_level, "on_queue_full": on_queue_full}
