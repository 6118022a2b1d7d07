# The reply budget: a number that drew many replies in a short time gets this line once, then
# nothing until the window has passed (loa would otherwise answer a loop or a prank without end).
reply-budget-try-later = Loa xã đã trả lời nhiều tin của bạn. Vui lòng nhắn lại sau { $minutes } phút.

# Scope of a commune officer's area import: where an area sits is decided above them.
import-scope-level = không được đổi cấp của "{ $value }" (việc của cấp tỉnh)
import-scope-own = "{ $value }" là địa bàn được giao cho bạn: địa bàn cấp trên của địa bàn này do tỉnh quyết định
