-- pg_dump 15.14+ wraps its output in \restrict KEY … \unrestrict KEY
\restrict aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'restricted; but SQL runs');
\unrestrict aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO
INSERT INTO t VALUES (2, 'after');
