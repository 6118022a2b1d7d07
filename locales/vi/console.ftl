## Bàn làm việc của cán bộ trên trình duyệt (console).
console-language = Ngôn ngữ
console-sign-in = Đăng nhập
console-sign-out = Đăng xuất
console-username = Tên đăng nhập
console-password = Mật khẩu
console-home = Trang chính
console-signed-in-as = Đang đăng nhập: { $username } ({ $role })
console-wrong-credentials = Sai tên đăng nhập hoặc mật khẩu.
console-throttled = Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau { $minutes } phút.
console-form-expired = Biểu mẫu đã hết hạn. Vui lòng nhập lại.
console-role-village-health-worker = y tế thôn bản
console-role-village-midwife = cô đỡ thôn bản
console-role-commune-officer = cán bộ xã
console-role-commune-health = trạm y tế xã
console-role-legal-aid = trợ giúp pháp lý
console-role-admin = quản trị
console-role-monitor = giám sát
