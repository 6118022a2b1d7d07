# The reply budget: a number that drew many replies in a short time gets this line once, then
# nothing until the window has passed (loa would otherwise answer a loop or a prank without end).
reply-budget-try-later = Loa xã đã trả lời nhiều tin của bạn. Vui lòng nhắn lại sau { $minutes } phút.
