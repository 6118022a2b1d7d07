# loa — H'Mông (hmn). No message is translated yet: every message falls back to Vietnamese
# (vi/main.ftl), one by one. Add a message here only when a speaker of H'Mông has written and
# checked it; see ../README.md. Never add a machine-made guess.
