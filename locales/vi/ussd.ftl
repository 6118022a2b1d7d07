# loa — Vietnamese USSD screens. A screen is at most 182 characters and goes out unaccented
# (GSM-7): the tests render every screen of every language and check both.

ussd-main-title = Loa xã. Bấm số:
ussd-main-marriage = Hỏi về luật hôn nhân
ussd-main-language = Ngôn ngữ/Language
ussd-marriage-title = Luật Hôn nhân và gia đình:
ussd-language-title = Chọn ngôn ngữ:
ussd-language-set = Đã chọn { $name }. Cảm ơn bạn!
ussd-language-set-fallback = Đã chọn { $name }. Chưa có bản dịch: tin nhắn gửi bằng tiếng Việt đến khi dịch xong.
ussd-language-set-partial = Đã chọn { $name }. Một số tin nhắn còn bằng tiếng Việt đến khi dịch xong.
ussd-more = Xem tiếp
ussd-back = Quay lại
ussd-exit = Thoát
ussd-goodbye = Cảm ơn bạn đã dùng Loa xã. Hẹn gặp lại!
ussd-error-not-number = Hãy bấm số của một mục.
ussd-error-no-option = Không có mục này, chọn lại.

## Main-menu option 1: support status (the records themselves use the TT wording in support.ftl).
ussd-main-support = Tình trạng hỗ trợ
ussd-support-officer = Cán bộ xã tra cứu một hộ: nhắn tin SMS TT và mã hộ, ví dụ TT CG-0001.
