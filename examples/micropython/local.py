# local.py: this node's settings. Copy it to the board next to main.py after editing.

MY_ID = 'kitchen'          # the node's client ID: unique per node, one line, no spaces needed
SERVER = '192.168.0.10'    # the IP address of the machine that runs the esplink gateway
PORT = 8123                # the gateway's esplink.port
SSID = 'my-wifi'           # your WiFi network
PW = 'my-wifi-password'
TIMEOUT = 2000             # ms; must equal the gateway's esplink.timeout

READING_INTERVAL_S = 30    # seconds between two readings (a command can change it)
LED_PIN = None             # GPIO of an LED for the "led" command, e.g. 2 (ESP8266/ESP32) or 'LED' (Pico W)
VERBOSE = False            # True prints the client's connection diagnostics
