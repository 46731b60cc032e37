# main.py: an esplink node. Sends a JSON reading every READING_INTERVAL_S seconds and obeys commands
# from the gateway. Needs the micropython-iot client library (the iot directory) on the board and
# the settings in local.py.
#
# Commands (one line each, sent e.g. with POST /nodes/<id>/messages on the gateway):
#   ping                          -> replies pong
#   {"cmd": "led", "on": true}    -> switches the LED of local.LED_PIN
#   {"cmd": "interval", "s": 60}  -> readings every 60 s (1 to 86400)
#   {"cmd": "status"}             -> replies {"status": {...}}
# Anything else is answered with {"error": "..."}; the node never stops on a bad command.

import gc
import uasyncio as asyncio
import ujson
import utime
from machine import Pin
from iot import client
import local


def _temperature():
    # The chip's own sensor where there is one: a rough but real value. None elsewhere.
    try:
        import esp32
        return round((esp32.raw_temperature() - 32) / 1.8, 1)  # reported in Fahrenheit
    except (ImportError, AttributeError):
        pass
    try:
        from machine import ADC
        volts = ADC(4).read_u16() * 3.3 / 65535  # RP2040 (Pico W): sensor on ADC 4
        return round(27 - (volts - 0.706) / 0.001721, 1)
    except (ImportError, ValueError, OSError):
        return None


class GatewayClient(client.Client):
    # The client's documented hook for a refused first connection. By default it raises, which ends
    # the client's task: a node that boots before the gateway (after a power cut, say) would then never
    # connect. Returning instead lets the client retry as after any outage (2 x TIMEOUT later).
    async def bad_server(self):
        print('gateway not reachable yet, retrying')


class Node:
    def __init__(self):
        self.interval = local.READING_INTERVAL_S
        self.seq = 0
        self.started = utime.ticks_ms()
        self.links = 0  # times the link to the gateway came up since boot
        self.led = None if local.LED_PIN is None else Pin(local.LED_PIN, Pin.OUT)
        self.cl = GatewayClient(local.MY_ID, local.SERVER, local.PORT, local.SSID, local.PW,
                                local.TIMEOUT, conn_cb=self.on_link, verbose=local.VERBOSE)

    def on_link(self, up):
        if up:
            self.links += 1
        print('link', 'up' if up else 'down')

    def uptime_s(self):
        return utime.ticks_diff(utime.ticks_ms(), self.started) // 1000

    def reading(self):
        self.seq += 1
        gc.collect()
        return {'seq': self.seq, 'temp': _temperature(), 'uptime_s': self.uptime_s(),
                'free_mem': gc.mem_free()}

    def status(self):
        return {'status': {'id': local.MY_ID, 'links': self.links, 'uptime_s': self.uptime_s(),
                           'interval_s': self.interval, 'led': None if self.led is None else bool(self.led.value())}}

    def handle(self, line):
        # One command line in, the reply line out (None: no reply). Never raises.
        line = line.strip()
        if line == 'ping':
            return 'pong'
        try:
            cmd = ujson.loads(line)
        except ValueError:
            return ujson.dumps({'error': 'unknown command', 'got': line[:40]})
        if not isinstance(cmd, dict):
            return ujson.dumps({'error': 'a command is a JSON object with "cmd"'})
        name = cmd.get('cmd')
        if name == 'led':
            if self.led is None:
                return ujson.dumps({'error': 'no LED configured (local.LED_PIN)'})
            on = cmd.get('on')
            if not isinstance(on, bool):
                return ujson.dumps({'error': '"on" must be true or false'})
            self.led.value(1 if on else 0)
            return ujson.dumps({'led': on})
        if name == 'interval':
            s = cmd.get('s')
            if not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= 86400:
                return ujson.dumps({'error': '"s" must be a whole number of seconds from 1 to 86400'})
            self.interval = s
            return ujson.dumps({'interval_s': s})
        if name == 'status':
            return ujson.dumps(self.status())
        return ujson.dumps({'error': 'unknown cmd', 'cmd': str(name)[:20]})

    async def commands(self):
        while True:
            line = await self.cl.readline()
            reply = self.handle(line)
            if reply is not None:
                asyncio.create_task(self.cl.write(reply))  # qos: resent until the gateway ACKs it

    async def readings(self):
        while True:
            # qos and wait: returns once the gateway has stored it (ACK), across outages
            await self.cl.write(ujson.dumps(self.reading()))
            await asyncio.sleep(self.interval)

    async def run(self):
        while not self.cl.status():  # the first connection (WiFi, then the gateway)
            await asyncio.sleep(1)
        asyncio.create_task(self.commands())
        await self.readings()


async def start():
    node = Node()  # inside the event loop: the client starts its own tasks
    try:
        await node.run()
    finally:
        node.cl.close()


def main():
    try:
        asyncio.run(start())
    finally:
        asyncio.new_event_loop()  # a clean state for a re-run at the REPL


main()
