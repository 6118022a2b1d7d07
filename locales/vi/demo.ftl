# loa — Vietnamese: what `loa serve --demo` prints once it listens, and the phones the simulator
# page offers. People, households and staff ids come from the demo data in the database.

demo-banner-title = loa đang chạy với dữ liệu demo: { $url }
demo-banner-simulator = Mở điện thoại mô phỏng: { $url }
demo-banner-phones = Số điện thoại demo (nhắn HD, TT; USSD *123#):
demo-banner-api = API cho cán bộ ({ $url }): Authorization: Bearer <api_token> và x-loa-staff: <mã cán bộ> ở trên.
demo-banner-stop = Dừng: Ctrl-C.
demo-who-villager = người dân, hộ { $code } ({ $head })
demo-who-households = một số điện thoại trong các hộ { $codes }
demo-who-staff = { $role } { $name } ({ $areas }), mã cán bộ (x-loa-staff) { $id }
demo-who-stranger = người lạ: số chưa đăng ký với hộ nào
demo-role-health-worker = y tế thôn bản
demo-role-midwife = cô đỡ thôn bản
demo-role-commune-officer = cán bộ xã
demo-role-legal-aid = trợ giúp pháp lý
demo-role-commune-health = cán bộ trạm y tế xã
demo-role-admin = quản trị viên
demo-role-monitor = cán bộ giám sát

## The simulator page: notes beside a message (the page itself is bilingual).
sim-duplicate = Tin trùng: cùng nội dung từ số này trong { $seconds } giây được tính là một tin, nên không trả lời lại.
sim-held-quiet = Đang giữ trong giờ yên lặng ({ $start }–{ $end }): gửi lúc { $time }.
sim-held-retry = Gửi chưa được: thử lại lúc { $time }.
sim-queued = Đang chờ gửi.
demo-banner-api-off = API cho cán bộ ({ $url }) đang tắt: đặt LOA_API_TOKEN (hoặc api_token trong tệp cấu hình), rồi gửi Authorization: Bearer <token> và x-loa-staff: <mã cán bộ> ở trên.
