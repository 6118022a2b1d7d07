# loa — Vietnamese: what `loa serve --demo` prints once it listens, and the phones the simulator
# page offers. People, households and staff ids come from the demo data in the database.

demo-banner-title = loa đang chạy với dữ liệu demo: { $url }
demo-banner-simulator = Mở điện thoại mô phỏng: { $url }
demo-banner-console = Bàn làm việc của cán bộ (console): { $url } (đăng nhập bằng một tài khoản demo dưới đây)
demo-banner-phones = Số điện thoại demo (nhắn HD, TT; USSD *123#):
demo-banner-api = API cho cán bộ ({ $url }): đăng nhập bằng một tài khoản ở trên, tạo API token (POST /api/v1/tokens), rồi gửi kèm Authorization: Bearer loa_…
demo-banner-accounts = Tài khoản demo (tên đăng nhập, vai trò, mật khẩu):
demo-account-new = mật khẩu: { $password }
demo-account-kept = tài khoản đã có, giữ nguyên mật khẩu cũ (đặt lại: loa user passwd { $username })
demo-banner-stop = Dừng: Ctrl-C.
demo-who-villager = người dân, hộ { $code } ({ $head })
demo-who-households = số dùng chung của các hộ { $codes }
demo-who-staff = { $role } { $name } ({ $areas })
demo-who-stranger = người lạ: số chưa đăng ký với hộ nào
demo-role-health-worker = y tế thôn bản
demo-role-midwife = cô đỡ thôn bản
demo-role-commune-officer = cán bộ xã
demo-role-legal-aid = người thực hiện trợ giúp pháp lý
demo-role-commune-health = cán bộ trạm y tế xã
demo-role-admin = quản trị viên
demo-role-monitor = cán bộ giám sát

## The simulator page: notes beside a message (the page itself is bilingual).
sim-duplicate = Tin trùng: cùng nội dung từ số này trong { $seconds } giây được tính là một tin, nên không trả lời lại.
sim-held-quiet = Tạm giữ vì đang ngoài giờ gửi tin ({ $start }–{ $end }): sẽ gửi lúc { $time }.
sim-held-retry = Gửi chưa được: thử lại lúc { $time }.
sim-queued = Đang chờ gửi.
