# local.py: this node's settings. Copy it to the board next to main.py after editing.

# The node's client ID and its secret, as `java -jar esplink-gateway.jar credentials add kitchen` prints them
# (the gateway admits only nodes with credentials by default; the secret never leaves the ID line).
MY_ID = 'kitchen:<the secret credentials add printed>'
SERVER = '192.168.0.10'    # the IP address of the machine that runs the esplink gateway
PORT = 8123                # the gateway's esplink.port
SSID = 'my-wifi'           # your WiFi network
PW = 'my-wifi-password'
TIMEOUT = 2000             # ms; must equal the gateway's esplink.timeout

READING_INTERVAL_S = 30    # seconds between two readings (a command can change it)
LED_PIN = None             # GPIO of an LED for the "led" command, e.g. 2 (ESP8266/ESP32) or 'LED' (Pico W)
VERBOSE = False            # True prints the client's connection diagnostics
