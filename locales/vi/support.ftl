# Households and support status (issue 5): the TT keyword, status-change SMS, import reports.

## Keyword: support status (TT, TT 2 for the next page, TT <household code>).
kw-status = TT, TRA CUU, TINH TRANG

## Status words and units (SMS: keep them short).
support-status-registered = đã đăng ký
support-status-approved = đã duyệt
support-status-in-progress = đang thực hiện
support-status-disbursed = đã giải ngân
support-status-completed = đã hoàn thành
support-status-rejected = bị từ chối
# Rice and goods handed over (contents counted in kg): "đã cấp", where money is "đã giải ngân".
support-status-delivered = đã cấp
unit-vnd = { $n }đ
unit-kg = { $n }kg
unit-m2 = { $n }m2
unit-ha = { $n }ha

## TT replies. A page is at most two SMS parts; records are newest first.
tt-household = Hộ { $code }:
tt-record = { $content } { $status } { $date }
tt-record-amount = { $content } { $amount } { $status } { $date }
tt-record-rejected = { $content } bị từ chối ({ $reason }) { $date }
tt-empty = Hộ { $code } chưa có hồ sơ hỗ trợ.
tt-more = Nhắn TT { $next } xem tiếp.
tt-no-page = Không có trang { $page }. Nhắn TT để xem từ đầu.
tt-not-registered = Số này chưa đăng ký với hộ nào. Mời chủ hộ mang thẻ căn cước đến UBND xã để đăng ký số điện thoại.
tt-no-access = Số này không xem được hộ { $code }. Nhắn TT để xem hộ của mình.
tt-officer-needs-code = Nhắn TT và mã hộ, ví dụ: TT CG-0001.

## Status-change SMS to each phone of the household.
support-notice-approved = Hộ { $code }: hồ sơ { $content }{ $amount } đã được duyệt. Nhắn TT để xem.
support-notice-disbursed = Hộ { $code }: { $content }{ $amount } đã được giải ngân. Nhắn TT để xem.
support-notice-delivered = Hộ { $code }: { $content }{ $amount } đã được cấp. Nhắn TT để xem.
support-notice-rejected = Hộ { $code }: hồ sơ { $content } bị từ chối: { $reason }. Liên hệ UBND xã để biết thêm.

## Import reports (loa import …): one line per problem, then a summary.
import-line-error = Dòng { $row }, cột "{ $column }": { $problem }
import-line-note = Lưu ý dòng { $row }, cột "{ $column }": { $problem }
import-rejected = Không nhập gì: tệp có { $problems } lỗi. Sửa các lỗi trên rồi nhập lại.
import-done = Đã nhập { $rows } dòng: { $created } mới, { $updated } thay đổi, { $unchanged } không đổi.
import-dry-run = Chạy thử, chưa ghi gì: { $rows } dòng, { $created } mới, { $updated } thay đổi, { $unchanged } không đổi.
import-missing-column = thiếu cột này
import-required = chưa điền
import-unknown-level = cấp "{ $value }" không rõ (tỉnh, xã, thôn)
import-note-padded = mã "{ $value }" bị lưu thành số; đã hiểu là "{ $code }"
import-duplicate = "{ $value }" trùng với dòng { $first }
import-duplicate-code = mã "{ $value }" trùng với một hộ đã có (viết khác)
import-duplicate-record = hồ sơ trùng với dòng { $first } (cùng hộ, nội dung, ngày)
import-unknown-area = không có địa bàn mã "{ $value }"
import-bad-parent = "{ $value }" không thể là cấp trên của địa bàn này
import-bad-yes-no = "{ $value }" không phải có/không
import-bad-region = khu vực "{ $value }" không rõ (I, II, III)
import-unknown-village = không có thôn/bản mã "{ $value }"
import-not-a-village = "{ $value }" không phải thôn/bản
import-unknown-poverty = phân loại "{ $value }" không rõ (nghèo, cận nghèo, không)
import-bad-number = "{ $value }" không phải số hợp lệ
import-bad-phone = "{ $value }" không phải số di động Việt Nam
import-unknown-role = vai trò "{ $value }" không rõ
import-unknown-household = không có hộ mã "{ $value }"
import-unknown-content = không có nội dung "{ $value }" trong danh mục
import-unknown-status = trạng thái "{ $value }" không rõ
import-zero-amount = số lượng bằng 0 { $unit }: phải lớn hơn 0 hoặc để trống
import-unit-required = có số lượng nhưng thiếu đơn vị
import-unknown-unit = đơn vị "{ $value }" không rõ (VND, kg, m2, ha)
import-wrong-unit = đơn vị "{ $value }" không hợp với nội dung { $content }
import-bad-date = ngày "{ $value }" không hợp lệ (dd/mm/yyyy)
import-reason-required = hồ sơ bị từ chối phải có lý do (cột Lý do hoặc Ghi chú)
import-bad-transition = không thể chuyển từ "{ $from }" sang "{ $to }"
import-hint-areas-first = Chưa có địa bàn nào: hãy nhập tệp địa bàn (loa import areas) trước, rồi nhập lại tệp hộ gia đình.
import-messages-queued = Đã đưa { $count } tin nhắn báo trạng thái vào hàng chờ gửi.

## A file that cannot be read at all. The advice is what an office can do in Excel or Unikey.
import-error-read = Không đọc được tệp: { $detail }
import-error-format = Không đọc được loại tệp "{ $ext }": hãy dùng tệp .csv hoặc .xlsx.
import-error-too-large = Tệp có hơn { $rows } dòng: hãy chia thành nhiều tệp nhỏ hơn.
import-error-over-limit = Tệp vượt quá giới hạn loa đọc được ({ $detail }): hãy chia thành nhiều tệp nhỏ hơn.
import-error-encoding = Không đọc được chữ trong tệp (không phải UTF-8, UTF-16 hay Windows-1258). Hãy mở tệp bằng Excel và lưu dạng "CSV UTF-8" hoặc .xlsx.
import-error-tcvn3 = Tệp được gõ bằng phông TCVN3 (ABC, .VnTime). Hãy chuyển mã sang Unicode (Unikey: Công cụ chuyển mã, TCVN3 sang Unicode), rồi lưu dạng "CSV UTF-8" hoặc .xlsx.
import-error-vni = Tệp được gõ bằng phông VNI (VNI-Times). Hãy chuyển mã sang Unicode (Unikey: Công cụ chuyển mã, VNI sang Unicode), rồi lưu dạng "CSV UTF-8" hoặc .xlsx.
