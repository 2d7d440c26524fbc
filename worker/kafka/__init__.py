"""The Kafka adapters, on kafka-python. Importing the package makes sure a broker's last answer
before it closes a connection (a refusal of credentials) reaches the client: see last_words."""

from worker.kafka import last_words

last_words.keep()
