# Trợ giúp pháp lý (Dự án 10, tiểu dự án 1): tiếp nhận yêu cầu qua SMS và USSD (issue 12).
# Tin nhắn SMS hay USSD chỉ là bước tiếp nhận: cán bộ gọi lại để hoàn thiện đơn (mẫu 02-TP-TGPL) và
# giấy tờ chứng minh thuộc diện được trợ giúp. Không tin nào nhắc lại lời người dân đã viết.

## Từ khoá: TGPL, TGPL <số lĩnh vực> [vài lời], TGPL <mã>, TGPL HUY <mã>.
kw-legal-aid = TGPL, TRO GIUP PHAP LY
kw-legal-aid-withdraw = HUY, RUT

## Lĩnh vực (số thứ tự 1–8 là số người dân bấm hoặc nhắn).
legal-aid-category-land = Đất đai
legal-aid-category-family = Hôn nhân, gia đình
legal-aid-category-violence = Bạo lực gia đình
legal-aid-category-labour = Lao động, việc làm
legal-aid-category-social = Bảo hiểm xã hội, chính sách
legal-aid-category-administrative = Thủ tục hành chính
legal-aid-category-criminal = Hình sự
legal-aid-category-other = Việc khác

## Tình trạng, bằng lời trung tính (không nêu lĩnh vực, không nêu nội dung).
legal-aid-status-received = đã tiếp nhận, đang chờ phân công cán bộ
legal-aid-status-assigned = đã có cán bộ phụ trách, cán bộ sẽ gọi cho bạn
legal-aid-status-contacted = cán bộ đã liên hệ với bạn
legal-aid-status-in-progress = đang được giải quyết
legal-aid-status-resolved = đã giải quyết xong
legal-aid-status-referred = đã chuyển đến cơ quan có thẩm quyền
legal-aid-status-withdrawn = đã rút yêu cầu

## Trao đổi qua SMS.
legal-aid-ask-category = Trợ giúp pháp lý miễn phí. Nhắn số lĩnh vực: 1 Đất đai; 2 Hôn nhân, gia đình; 3 Bạo lực gia đình; 4 Lao động, việc làm; 5 Bảo hiểm xã hội, chính sách; 6 Thủ tục hành chính; 7 Hình sự; 8 Khác. Có thể nhắn thêm vài lời.
legal-aid-no-category = Không có lĩnh vực số { $n }. Nhắn số từ 1 đến 8, hoặc TGPL để xem danh sách.
legal-aid-ask-mode = Cán bộ liên hệ bạn thế nào? Nhắn 1: báo tình trạng qua tin nhắn; 2: chỉ gọi điện, tin nhắn không ghi nội dung; 3: không nhắn tin gì, cán bộ gọi điện.
legal-aid-received = Đã nhận yêu cầu trợ giúp pháp lý { $ref } ({ $category }). Tin nhắn chỉ là bước tiếp nhận: trong { $days } ngày làm việc cán bộ sẽ gọi lại để cùng bạn làm đơn mẫu 02-TP-TGPL và giấy tờ chứng minh diện được trợ giúp. Xem tình trạng: TGPL { $ref }
legal-aid-received-neutral = Đã ghi nhận mã { $ref }. Tin nhắn chỉ là bước tiếp nhận: cán bộ sẽ gọi điện cho bạn trong { $days } ngày làm việc để hoàn tất hồ sơ.
legal-aid-update = Yêu cầu { $ref }: { $status }.
legal-aid-noted = Mã { $ref }: đã ghi nhận.
legal-aid-unknown = Không có thông tin nào gửi qua tin nhắn cho mã { $ref }.
legal-aid-how = Để xin trợ giúp pháp lý, nhắn TGPL rồi chọn lĩnh vực, hoặc TGPL <số lĩnh vực 1-8>. Xem tình trạng: TGPL <mã TG-...>. Rút yêu cầu: TGPL HUY <mã>.
legal-aid-withdrawn = Đã rút yêu cầu { $ref }. Khi cần, nhắn TGPL để gửi yêu cầu mới.

## Nhắc cán bộ trợ giúp pháp lý của tỉnh (mỗi ngày làm việc một tin).
legal-aid-remind = Loa: { $count } yêu cầu trợ giúp pháp lý chưa được phân công sau { $days } ngày làm việc: { $refs }. Đề nghị phân công cán bộ.

## USSD, mục 2 của menu chính (gửi không dấu, mỗi màn hình tối đa 182 ký tự).
ussd-main-legal-aid = Trợ giúp pháp lý
ussd-legal-aid-category-title = Việc cần trợ giúp pháp lý:
ussd-legal-aid-mode-title = Cán bộ liên hệ bạn thế nào?
ussd-legal-aid-mode-sms = Nhắn tin báo tình trạng
ussd-legal-aid-mode-call = Chỉ gọi điện, tin không ghi nội dung
ussd-legal-aid-mode-none = Không nhắn tin gì, chỉ gọi điện
ussd-legal-aid-confirm-title = Gửi yêu cầu? Đây là bước tiếp nhận, cán bộ sẽ gọi lại để làm đơn và giấy tờ.
ussd-legal-aid-send = Gửi
ussd-legal-aid-done = Đã nhận, mã { $ref }. Đây mới là bước tiếp nhận: trong { $days } ngày làm việc cán bộ gọi lại để làm đơn 02-TP-TGPL và giấy tờ chứng minh.
