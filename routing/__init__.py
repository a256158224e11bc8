"""ektp-route: door-to-door e-KTP delivery routes for a Dispendukcapil office (Kabupaten Jombang by default).

The package reads a day's finished card records, groups them into household stops,
locates them, builds travel times over an OpenStreetMap road network for motorbikes,
solves a vehicle-routing problem with OR-Tools and writes a plan that route sheets and
maps are rendered from.

Domain words stay Indonesian where the office uses them:

- **NIK** (Nomor Induk Kependudukan): the 16-digit national identity number.
- **KK** (Kartu Keluarga): the family card; ``no_kk`` groups a household.
- **desa / kelurahan**: village; **dusun**: hamlet inside a desa; **kecamatan**: district.
- **RT / RW**: neighbourhood and community units inside a dusun.
"""

__version__ = "0.1.0"
