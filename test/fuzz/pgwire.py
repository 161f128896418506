#
# test/fuzz/pgwire.py: a minimal PostgreSQL client (protocol 3.0, simple
# query protocol), Python 3 standard library only.
#
# The fuzzer needs what a driver hides: the SQLSTATE of every error, the
# notices, and a clear signal when the connection breaks (a crashed backend).
# Authentication: trust, cleartext, md5 and SCRAM-SHA-256, as set up by
# pg_virtualenv.  Connection parameters come from the libpq environment
# variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
#

import base64
import hashlib
import hmac
import os
import socket
import struct


class ConnectionBroken(Exception):
	"""The server closed the connection or the socket failed."""


class PgError(Exception):
	"""An ErrorResponse: fields holds the message fields by their code."""

	def __init__(self, fields):
		self.fields = fields
		self.sqlstate = fields.get('C', '?????')
		self.severity = fields.get('V', fields.get('S', 'ERROR'))
		self.message = fields.get('M', '')
		super().__init__('%s %s: %s' % (self.severity, self.sqlstate, self.message))


def _fields(body):
	out = {}
	for part in body.split(b'\0'):
		if part:
			out[chr(part[0])] = part[1:].decode('utf-8', 'replace')
	return out


class Connection:
	def __init__(self, dbname=None, timeout=None):
		host = os.environ.get('PGHOST', '/var/run/postgresql')
		port = int(os.environ.get('PGPORT', '5432'))
		self.user = os.environ.get('PGUSER', 'postgres')
		self.password = os.environ.get('PGPASSWORD', '')
		self.dbname = dbname or os.environ.get('PGDATABASE', self.user)
		if host.startswith('/'):
			self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			self.sock.connect(os.path.join(host, '.s.PGSQL.%d' % port))
		else:
			self.sock = socket.create_connection((host, port))
			self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		self.sock.settimeout(timeout)
		self.buf = b''
		self.notices = []
		self.backend_pid = None
		self.params = {}
		self._startup()

	# -- transport ---------------------------------------------------------

	def _send(self, data):
		try:
			self.sock.sendall(data)
		except OSError as e:
			raise ConnectionBroken('send failed: %s' % e)

	def _read(self, n):
		while len(self.buf) < n:
			try:
				chunk = self.sock.recv(max(65536, n - len(self.buf)))
			except OSError as e:
				raise ConnectionBroken('receive failed: %s' % e)
			if not chunk:
				raise ConnectionBroken('server closed the connection')
			self.buf += chunk
		out, self.buf = self.buf[:n], self.buf[n:]
		return out

	def _msg(self):
		head = self._read(5)
		kind = head[0:1]
		length = struct.unpack('!I', head[1:5])[0]
		return kind, self._read(length - 4)

	def _put(self, kind, body):
		self._send(kind + struct.pack('!I', len(body) + 4) + body)

	# -- startup -----------------------------------------------------------

	def _startup(self):
		body = struct.pack('!I', 196608)
		for k, v in (('user', self.user), ('database', self.dbname),
					 ('client_encoding', 'UTF8'), ('application_name', 'dp_fuzz')):
			body += k.encode() + b'\0' + v.encode() + b'\0'
		body += b'\0'
		self._send(struct.pack('!I', len(body) + 4) + body)
		while True:
			kind, data = self._msg()
			if kind == b'R':
				self._auth(data)
			elif kind == b'E':
				raise PgError(_fields(data))
			elif kind == b'S':
				k, v = data.split(b'\0')[:2]
				self.params[k.decode()] = v.decode()
			elif kind == b'K':
				self.backend_pid = struct.unpack('!I', data[:4])[0]
			elif kind == b'Z':
				return

	def _auth(self, data):
		code = struct.unpack('!I', data[:4])[0]
		if code == 0:
			return
		if code == 3:
			self._put(b'p', self.password.encode() + b'\0')
		elif code == 5:
			salt = data[4:8]
			inner = hashlib.md5((self.password + self.user).encode()).hexdigest()
			outer = hashlib.md5(inner.encode() + salt).hexdigest()
			self._put(b'p', b'md5' + outer.encode() + b'\0')
		elif code == 10:
			self._scram(data[4:])
		else:
			raise ConnectionBroken('unsupported authentication method %d' % code)

	def _scram(self, mechanisms):
		if b'SCRAM-SHA-256' not in mechanisms.split(b'\0'):
			raise ConnectionBroken('server offers no SCRAM-SHA-256')
		nonce = base64.b64encode(os.urandom(18)).decode()
		first_bare = 'n=,r=' + nonce
		first = ('n,,' + first_bare).encode()
		self._put(b'p', b'SCRAM-SHA-256\0' + struct.pack('!I', len(first)) + first)
		kind, data = self._msg()
		if kind == b'E':
			raise PgError(_fields(data))
		server_first = data[4:].decode()
		attrs = dict(a.split('=', 1) for a in server_first.split(','))
		salt = base64.b64decode(attrs['s'])
		iterations = int(attrs['i'])
		salted = hashlib.pbkdf2_hmac('sha256', self.password.encode(), salt, iterations)
		client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
		stored_key = hashlib.sha256(client_key).digest()
		final_bare = 'c=biws,r=' + attrs['r']
		auth_message = ','.join((first_bare, server_first, final_bare)).encode()
		signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
		proof = bytes(a ^ b for a, b in zip(client_key, signature))
		final = final_bare + ',p=' + base64.b64encode(proof).decode()
		self._put(b'p', final.encode())
		kind, data = self._msg()
		if kind == b'E':
			raise PgError(_fields(data))

	# -- queries -----------------------------------------------------------

	def query(self, sql):
		"""Run one simple query (bytes or str).  Returns the rows of the last
		result set as lists of str (None for NULL); raises PgError for the
		first error, ConnectionBroken when the connection is lost."""
		if isinstance(sql, str):
			sql = sql.encode('utf-8', 'surrogateescape')
		if b'\0' in sql:
			raise ValueError('a query cannot hold a NUL byte')
		self._put(b'Q', sql + b'\0')
		rows = []
		error = None
		while True:
			kind, data = self._msg()
			if kind == b'D':
				n = struct.unpack('!H', data[:2])[0]
				pos = 2
				row = []
				for _ in range(n):
					ln = struct.unpack('!i', data[pos:pos + 4])[0]
					pos += 4
					if ln < 0:
						row.append(None)
					else:
						row.append(data[pos:pos + ln].decode('utf-8', 'replace'))
						pos += ln
				rows.append(row)
			elif kind == b'T':
				rows = []
			elif kind == b'E':
				f = _fields(data)
				if error is None:
					error = PgError(f)
				if f.get('V', f.get('S')) in ('FATAL', 'PANIC'):
					# the server ends the connection after this
					self.close()
					raise ConnectionBroken('%s %s: %s' % (f.get('V', f.get('S')),
														 f.get('C'), f.get('M')))
			elif kind == b'N':
				self.notices.append(_fields(data))
			elif kind == b'Z':
				self.tx_status = data[:1]
				if error is not None:
					raise error
				return rows
			# C (command complete), I (empty), S (parameter status),
			# A (notification), G/H (copy) are ignored

	def close(self):
		try:
			self._put(b'X', b'')
		except ConnectionBroken:
			pass
		try:
			self.sock.close()
		except OSError:
			pass
