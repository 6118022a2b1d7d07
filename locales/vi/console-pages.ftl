## Các trang của bàn làm việc: khung trang, tổng quan, hộ gia đình, tải tệp, liên hệ, cổng tin nhắn, nhật ký truy cập.
console-nav = Các trang
console-nav-dashboard = Tổng quan
console-nav-simulator = Điện thoại mô phỏng (tập huấn)
console-back-home = Về trang tổng quan
console-error-forbidden = Vai trò của bạn không được mở trang này.
console-error-not-found = Không tìm thấy, hoặc nằm ngoài địa bàn của bạn.
console-error-bad-request = Không đọc được yêu cầu. Vui lòng quay lại và thử lại.
console-error-internal = Hệ thống gặp lỗi; chưa có gì bị thay đổi. Vui lòng thử lại.
