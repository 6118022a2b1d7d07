# Chăm sóc sức khỏe bà mẹ, trẻ em (Dự án 7, tiểu dự án 3): nhắc lịch khám thai, sinh, tiêm chủng,
# tin của y tế thôn bản và cô đỡ thôn bản. Tin gửi bà mẹ ngắn, không nói chi tiết sức khỏe.

## Từ khóa

kw-pregnancy = THAI, CO THAI
kw-checkup = KHAM
kw-checkup-self = DA KHAM
kw-birth = SINH
kw-loss = MAT
kw-health-campaign = NHAC

## Trả lời cán bộ y tế

maternal-not-health-staff = Lệnh này dành cho y tế thôn bản, cô đỡ thôn bản và trạm y tế xã.
maternal-usage = Nhắn: THAI <số điện thoại> <ngày dự sinh dd/mm/yyyy>, hoặc THAI <số> KC <ngày đầu kỳ kinh cuối>. Số không thuộc hộ nào: thêm mã thôn.
maternal-bad-phone = Số điện thoại của bà mẹ chưa đúng. Nhắn lại, ví dụ: THAI 0912345678 15/06/2026.
maternal-edd-past = Ngày dự sinh đã qua. Kiểm tra lại ngày (dd/mm/yyyy).
maternal-edd-too-far = Ngày dự sinh quá { $weeks } tuần kể từ hôm nay. Kiểm tra lại ngày (dd/mm/yyyy).
maternal-lmp-future = Ngày đầu kỳ kinh cuối không thể ở sau hôm nay. Kiểm tra lại ngày.
maternal-needs-village = Số này chưa thuộc hộ nào. Nhắn thêm mã thôn: THAI <số> <ngày dự sinh> <mã thôn>.
maternal-unknown-village = Không có thôn mã { $code }.
maternal-outside-area = Bà mẹ này không ở thôn bạn phụ trách.
maternal-no-pregnancy = Chưa có thai nào được ghi cho số này.
maternal-bad-birth-date = Ngày sinh chưa đúng: không sau hôm nay, không quá 60 ngày trước.
maternal-no-visit = Không còn lần khám thai nào để ghi.
maternal-birth-usage = Nhắn: SINH <số điện thoại> <ngày sinh dd/mm/yyyy>.
maternal-registered = Đã ghi thai của số { $who }: dự sinh { $edd }. Khám lần { $n }: { $date }.
maternal-registered-no-visit = Đã ghi thai của số { $who }: dự sinh { $edd }.
maternal-registered-opted-out = Đã ghi thai của số { $who }: dự sinh { $edd }. Bà mẹ đã từ chối tin nhắc hẹn nên Loa không gửi tin.
maternal-checkup-next = Đã ghi khám lần { $done } của số { $who }. Lần { $n }: { $date }.
maternal-checkup-last = Đã ghi khám lần { $done } của số { $who }.
maternal-birth-recorded = Đã ghi sinh ngày { $date } của số { $who }. Loa sẽ nhắc khám sau sinh và tiêm chủng cho bé.
maternal-loss-recorded = Chia buồn cùng gia đình. Loa đã dừng mọi tin về thai này.
maternal-overdue = Thai của { $who } đã quá ngày dự sinh 2 tuần. Nếu đã sinh, nhắn SINH <số điện thoại> <ngày sinh>; nếu không giữ được thai, nhắn MAT <số điện thoại>.

## Tin gửi bà mẹ

maternal-welcome = Trạm y tế xã đã ghi tên chị để Loa nhắc lịch khám thai. Nhắn HUY NH để ngừng nhận tin nhắc.
maternal-checkup-self-next = Cảm ơn chị đã đi khám lần { $done }. Lần { $n }: { $date }.
maternal-checkup-self-last = Cảm ơn chị đã đi khám lần { $done }.
maternal-visit-eve = Ngày mai { $date } là lịch khám thai lần { $n }. Mời chị đến trạm y tế xã. Nhắn HUY NH để ngừng.
maternal-visit-day = Hôm nay { $date } là lịch khám thai lần { $n }. Mời chị đến trạm y tế xã.
maternal-pnc-eve = Ngày mai { $date } mời mẹ và bé khám sau sinh tại trạm y tế xã.
maternal-pnc-day = Hôm nay { $date } mời mẹ và bé khám sau sinh tại trạm y tế xã.
maternal-epi-eve = Ngày mai { $date } bé đến lịch tiêm { $vaccines }. Mời đưa bé đến trạm y tế xã.
maternal-epi-day = Hôm nay { $date } bé đến lịch tiêm { $vaccines }. Mời đưa bé đến trạm y tế xã.

## Tên vắc xin theo lịch tiêm chủng mở rộng

maternal-epi-birth = viêm gan B sơ sinh và lao (BCG)
maternal-epi-2m = mũi 1 vắc xin 5 trong 1 (bạch hầu, ho gà, uốn ván, viêm gan B, Hib) và uống bại liệt lần 1
maternal-epi-3m = mũi 2 vắc xin 5 trong 1 và uống bại liệt lần 2
maternal-epi-4m = mũi 3 vắc xin 5 trong 1 và uống bại liệt lần 3
maternal-epi-9m = sởi mũi 1
maternal-epi-18m = nhắc lại bạch hầu, ho gà, uốn ván và sởi mũi 2

## Tin theo tuần thai

maternal-week-t1-nutrition = Thai { $week } tuần: chị ăn đủ bữa, thêm rau, trứng, thịt, cá; uống viên sắt, axit folic theo hướng dẫn.
maternal-week-t1-danger = Thai { $week } tuần: nếu ra máu, đau bụng nhiều, sốt, nôn nhiều, chị đến trạm y tế xã ngay.
maternal-week-t1-checkup = Thai { $week } tuần: khám thai sớm giúp mẹ con khỏe. Người có thẻ BHYT được bảo hiểm y tế chi trả khi khám thai theo quy định.
maternal-week-t2-nutrition = Thai { $week } tuần: 1.000 ngày đầu đời bắt đầu từ khi mang thai. Chị ăn thêm một bữa mỗi ngày, uống viên sắt đều.
maternal-week-t2-danger = Thai { $week } tuần: đau đầu, mờ mắt, phù mặt tay chân, ra máu hay ra nước là dấu hiệu nguy hiểm: đến trạm y tế ngay.
maternal-week-t2-tetanus = Thai { $week } tuần: chị hỏi trạm y tế xã về tiêm phòng uốn ván để bảo vệ mẹ và bé.
maternal-week-t2-rest = Thai { $week } tuần: chị nghỉ ngơi đủ, tránh mang vác nặng, không hút thuốc, không uống rượu.
maternal-week-t3-facility = Thai { $week } tuần: hãy sinh con tại trạm y tế hoặc bệnh viện, có cán bộ y tế đỡ đẻ, để mẹ con an toàn.
maternal-week-t3-danger = Thai { $week } tuần: thai máy ít, ra máu, ra nước, đau đầu, co giật: đến cơ sở y tế ngay.
maternal-week-t3-plan = Thai { $week } tuần: chuẩn bị sẵn giấy tờ, thẻ BHYT, tiền và người đưa đi khi chuyển dạ.
maternal-week-t3-breastfeeding = Thai { $week } tuần: cho bé bú mẹ ngay trong giờ đầu sau sinh và bú mẹ hoàn toàn 6 tháng đầu.
maternal-week-t3-thousand-days = Thai { $week } tuần: bé cần tiêm viêm gan B trong 24 giờ đầu sau sinh. Nhắc cán bộ y tế khi sinh.

## Nhắc lịch tiêm chủng, khám thai cho cả thôn (NHAC)

maternal-campaign-usage = Nhắn: NHAC <mã thôn hoặc *> <ngày dd/mm> <nội dung>, ví dụ: NHAC * 25/11 Tiêm chủng tại trạm y tế xã, 7h30.
maternal-campaign-nobody = Không có bà mẹ nào nhận được tin này trong thôn đã chọn.
maternal-campaign-preview = Tin sẽ gửi { $count } người, { $parts } phần tin, khoảng { $cost } đồng. Nhắn OK trong { $minutes } phút để gửi.
maternal-campaign-preview-no-price = Tin sẽ gửi { $count } người, { $parts } phần tin (chưa rõ giá). Nhắn OK trong { $minutes } phút để gửi.
maternal-campaign-sent = Đã đưa vào hàng chờ gửi tin tới { $count } người.
maternal-campaign-text = Trạm y tế xã, ngày { $date }: { $text }

## Tin đầu tuần cho y tế thôn bản

maternal-digest-header = Tuần từ { $date }: { $count } chị đến lịch khám.
maternal-digest-line = { $who } lần { $n } ({ $date });
maternal-digest-more = Còn nữa: xem danh sách tại trạm y tế xã.

## USSD, mục 3 (màn hình không dấu, tối đa 182 ký tự)

ussd-main-maternal = Khám thai
ussd-maternal-title = Khám thai:
ussd-maternal-mine = Lịch khám của tôi
ussd-maternal-register = Ghi thai (cán bộ y tế)
ussd-maternal-phone = Nhập số điện thoại của bà mẹ:
ussd-maternal-edd = Nhập ngày dự sinh, 8 số (ngày tháng năm), ví dụ 15062026:
ussd-maternal-none = Số này chưa được ghi lịch khám thai. Hãy gặp y tế thôn bản hoặc trạm y tế xã.
ussd-maternal-next = Lần khám thai tới: lần { $n }, ngày { $date }, tại trạm y tế xã.
ussd-maternal-no-more = Chị đã qua các lần khám theo lịch. Có dấu hiệu bất thường, đến trạm y tế ngay.
ussd-maternal-bad-date = Ngày dự sinh chưa đúng: nhập 8 số, ví dụ 15062026.
ussd-maternal-failed = Chưa ghi được, hãy thử lại sau hoặc nhắn tin THAI.

## Nhập danh sách thai phụ (loa import pregnancies)

import-pregnancy-one-date = điền một trong hai: ngày dự sinh hoặc ngày đầu kỳ kinh cuối
import-pregnancy-edd-past = ngày dự sinh "{ $value }" đã qua
import-pregnancy-edd-too-far = ngày dự sinh "{ $value }" quá { $weeks } tuần kể từ hôm nay
import-pregnancy-lmp-future = ngày đầu kỳ kinh cuối "{ $value }" ở sau hôm nay
import-pregnancy-needs-village = số này chưa thuộc hộ nào: điền mã thôn
import-pregnancy-unknown-worker = "{ $value }" không phải số của y tế thôn bản, cô đỡ hay trạm y tế
