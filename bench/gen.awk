# bench/gen.awk - deterministic fk(7) transactions as NDJSON, for bench/run.
#
#   awk -v n=1000000 -v users=100000 -v seed=42 -f bench/gen.awk > FILE
#
# One record a line, about 174 bytes on average, no tx_id (fkcat-in
# derives it, as for most feeds):
#   {"user_id":"u012345","amount":123.45,"currency":"EUR",
#    "timestamp":"2024-11-16T00:00:01Z","merchant_id":"m01234",
#    "device_id":"d0123456","country":"FR","lat":48.85,"lon":2.35}
# Timestamps increase strictly (1 or 2 s apart) from 2024-11-16T00:00:00Z.
# Users have a home country and one or two usual devices; a few heavy users
# make 10% of the records, and some records come from abroad or from an
# unknown device, as fraud would.
#
# The random numbers come from our own Park-Miller generator, not rand(),
# so mawk, gawk and busybox awk all write the same bytes for the same seed.
# Needs nothing but POSIX awk (no strftime): dates are computed here.

function rnd() {
	# Park-Miller "minimal standard"; 16807 * (2^31 - 2) < 2^53, so the
	# product is exact in a double.
	state = (state * 16807) % 2147483647
	return state / 2147483647
}

function irnd(k) {
	return int(rnd() * k)
}

# "YYYY-MM-DDTHH:MM:SSZ" for t seconds since the epoch (t >= 0).
# Civil-from-days after H. Hinnant; the date part is cached per day.
function rfc3339(t,    days, s, z, era, doe, yoe, y, doy, mp, d, m) {
	days = int(t / 86400)
	s = t - days * 86400
	if (days != cached_day) {
		z = days + 719468
		era = int(z / 146097)
		doe = z - era * 146097
		yoe = int((doe - int(doe / 1460) + int(doe / 36524) - \
		    int(doe / 146096)) / 365)
		y = yoe + era * 400
		doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
		mp = int((5 * doy + 2) / 153)
		d = doy - int((153 * mp + 2) / 5) + 1
		m = mp < 10 ? mp + 3 : mp - 9
		if (m <= 2)
			y++
		cached_date = sprintf("%04d-%02d-%02d", y, m, d)
		cached_day = days
	}
	return sprintf("%sT%02d:%02d:%02dZ", cached_date, int(s / 3600),
	    int(s % 3600 / 60), s % 60)
}

BEGIN {
	if (n == "") n = 1000000
	if (users == "") users = 100000
	if (seed == "") seed = 42
	merchants = 20000
	heavy = int(users / 100) # 1% of the users make 10% of the records
	if (heavy < 1) heavy = 1
	state = seed % 2147483646 + 1
	cached_day = -1

	# country, currency, latitude, longitude of a capital
	nc = split("FR DE ES IT NL GB US CH PL SE BR JP", cc, " ")
	split("EUR EUR EUR EUR EUR GBP USD CHF PLN SEK BRL JPY", cur, " ")
	split("48.85 52.52 40.42 41.90 52.37 51.51 40.71 46.95 52.23 59.33 -23.55 35.68", clat, " ")
	split("2.35 13.40 -3.70 12.50 4.90 -0.13 -74.01 7.45 21.01 18.07 -46.63 139.69", clon, " ")

	t = 1731715200 # 2024-11-16T00:00:00Z
	for (i = 1; i <= n; i++) {
		t += rnd() < 0.7 ? 1 : 2
		u = rnd() < 0.1 ? irnd(heavy) : irnd(users)
		# log-uniform-ish amounts from 1.00 to about 5000
		amount = 1 + int(exp(rnd() * 8.5) * 100) / 100
		c = u * 7919 % nc + 1 # home country
		if (rnd() < 0.03)
			c = irnd(nc) + 1 # abroad
		dev = rnd() < 0.01 ? irnd(10000000) : u * 2 + (rnd() < 0.2)
		lat = clat[c] + rnd() * 2 - 1
		lon = clon[c] + rnd() * 2 - 1
		# No tx_id: fkcat-in derives one, as it does for most feeds.
		printf "{\"user_id\":\"u%06d\"," \
		    "\"amount\":%.2f,\"currency\":\"%s\",\"timestamp\":\"%s\"," \
		    "\"merchant_id\":\"m%05d\",\"device_id\":\"d%07d\"," \
		    "\"country\":\"%s\",\"lat\":%.2f,\"lon\":%.2f}\n",
		    u, amount, cur[c], rfc3339(t), irnd(merchants), dev,
		    cc[c], lat, lon
	}
	exit 0
}
