# The reply budget: a number that drew many replies in a short time gets this line once, then
# nothing until the window has passed (loa would otherwise answer a loop or a prank without end).
reply-budget-try-later = Loa has answered many of your messages. Please write again in { $minutes } minutes.

# Scope of a commune officer's area import: where an area sits is decided above them.
import-scope-level = may not change the level of "{ $value }" (the province does)
import-scope-own = "{ $value }" is an area you are assigned: its parent is the province's to set
