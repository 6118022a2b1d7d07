# loa — Vietnamese: commune notices by SMS (TB), previewed and confirmed with OK.

## Keyword: TB <mã thôn hoặc *> <nội dung>

kw-notice = TB

notice-usage = Nhắn: TB <mã thôn hoặc *> <nội dung>. Ví dụ: TB * Họp thôn 8 giờ sáng mai tại nhà văn hóa.
notice-not-staff = Chỉ cán bộ xã gửi được thông báo bằng tin nhắn.
notice-outside = Thôn { $code } không thuộc địa bàn của bạn.
notice-nobody = Không có ai nhận thông báo này trong địa bàn đã chọn.
notice-too-long = Thông báo dài quá: tối đa { $max } ký tự.
notice-preview = Thông báo tới { $recipients } người, { $parts } phần tin (có dấu { $full } phần, không dấu { $plain } phần mỗi tin), khoảng { $cost } đồng. Nhắn OK trong { $minutes } phút để gửi.
notice-sent = Đã đưa thông báo số { $id } vào hàng chờ gửi tới { $recipients } người.
notice-gone = Thông báo này đã gửi hoặc đã hủy, không gửi lại.
