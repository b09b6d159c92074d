/*
 * roster-gen: a deterministic generator of a fictional Dutch organisation's
 * HR export, for examples, end-to-end tests and benchmarks of roster.
 *
 *   roster-gen [--persons N] [--seed S] [--ref YYYY-MM-DD] [--mutate PERCENT]
 *              [--single-file] OUTDIR
 *
 * writes OUTDIR/persons.csv, OUTDIR/contracts.csv and OUTDIR/assignments.csv,
 * creating OUTDIR if needed.  With --single-file it writes OUTDIR/export.csv
 * instead of the first two: one row per contract, the person columns (without
 * the person's Leidinggevende, which would be a second column of that name)
 * followed by the contract columns; persons without a contract are left out.
 * Defaults: N=300 (at most 5,000,000), S=1, ref=2026-01-05.  The files are
 * UTF-8 without BOM, ';'-separated, CRLF, RFC 4180 quoted, dates DD-MM-YYYY,
 * FTE with a decimal comma.
 *
 * The same arguments always give the same bytes, whatever the compiler: each
 * person comes from its own PRNG stream, seeded from (seed, person index), so
 * persons do not depend on each other's draws.  --mutate P builds exactly the
 * same organisation and then changes about P percent of its persons (a
 * department, a title, a name, one added, one removed, an end date), which is
 * what a second import sees.
 *
 *   roster-gen examples/hr
 *   roster-gen --persons 100000 /tmp/big
 *   roster-gen --persons 100000 --mutate 1 /tmp/big-1pct
 *
 * Errors go to stderr as "roster-gen: ..." and exit with status 2.
 */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define EMPLOYEE_BASE 100001u
#define MAX_PERSONS 5000000u
#define NODATE INT32_MIN

/*
 * The first TEAM_DIRECT staff of a department report to its head; after that
 * every TEAM_SIZE staff form a team whose first member is its team leader.
 * Small exports stay flat, a 500,000-person export gets a believable tree.
 */
#define TEAM_DIRECT 40u
#define TEAM_SIZE 30u

/* Salts keep the independent per-person streams apart. */
#define SALT_DEPT 0x6465707431ULL
#define SALT_PERSON 0x706572736fULL
#define SALT_ASG 0x6173736967ULL
#define SALT_MUT 0x6d75746174ULL
#define SALT_ADD 0x6e65777065ULL

/* ---------------------------------------------------------------- tables */

enum role { ROLE_DIRECTOR, ROLE_HEAD, ROLE_LEAD, ROLE_STAFF };
enum ctype { T_EMPLOYEE, T_EXTERNAL, T_INTERN, T_TEMPORARY };
enum tkind { TK_DIRECTOR, TK_HEAD, TK_STAFF, TK_LEAD, TK_INTERN };
enum akind { A_PROJECT, A_REPLACES, A_ROLE };
enum mut { M_NONE, M_DEPT, M_TITLE, M_NAME, M_ADD, M_REMOVE, M_END };

static const char *const ctype_names[] = {
	"employee",
	"external",
	"intern",
	"temporary",
};

static const char *const akind_names[] = { "project", "replaces", "role" };

struct dept {
	const char *code;
	const char *name;
	unsigned cost_center;
	unsigned char multi_site; /* cost centre per location */
	unsigned char w;
};

/*
 * The head of department i is person index i; department 0 is the
 * directorate and its head is the director, the root of the tree.
 */
static const struct dept depts[] = {
	{ "DIR", "Directie", 1000, 0, 2 },	 { "ICT", "ICT", 4100, 0, 8 },
	{ "FIN", "Financiën", 2100, 0, 6 },	 { "CTRL", "Control", 2200, 0, 3 },
	{ "HR", "Personeelszaken", 3100, 0, 5 }, { "FAC", "Facilitair", 5100, 1, 8 },
	{ "COM", "Communicatie", 3200, 0, 3 },	 { "JUR", "Juridische zaken", 3300, 0, 3 },
	{ "VGZ", "Verpleging", 6100, 1, 20 },	 { "ZORG", "Zorg", 6200, 1, 22 },
	{ "OND", "Onderwijs", 7100, 1, 14 },	 { "INK", "Inkoop", 2300, 0, 3 },
};
#define NDEPT ((unsigned)ARRAY_SIZE(depts))

struct title {
	const char *code;
	const char *name;
	signed char dept; /* -1: usable in every department */
	unsigned char kind;
	unsigned char w;
};

static const struct title titles[] = {
	{ "F001", "Directeur", 0, TK_DIRECTOR, 0 },
	{ "F002", "Bestuurssecretaris", 0, TK_STAFF, 1 },
	{ "F003", "Managementassistent", 0, TK_STAFF, 2 },
	{ "F011", "Manager ICT", 1, TK_HEAD, 0 },
	{ "F012", "Systeembeheerder", 1, TK_STAFF, 4 },
	{ "F013", "Applicatiebeheerder", 1, TK_STAFF, 3 },
	{ "F014", "Netwerkbeheerder", 1, TK_STAFF, 1 },
	{ "F015", "Servicedeskmedewerker", 1, TK_STAFF, 3 },
	{ "F016", "Informatieanalist", 1, TK_STAFF, 1 },
	{ "F017", "Security officer", 1, TK_STAFF, 1 },
	{ "F018", "Ontwikkelaar", 1, TK_STAFF, 2 },
	{ "F021", "Financieel manager", 2, TK_HEAD, 0 },
	{ "F022", "Medewerker financiële administratie", 2, TK_STAFF, 4 },
	{ "F023", "Crediteurenadministrateur", 2, TK_STAFF, 2 },
	{ "F024", "Salarisadministrateur", 2, TK_STAFF, 2 },
	{ "F031", "Manager control", 3, TK_HEAD, 0 },
	{ "F032", "Controller", 3, TK_STAFF, 3 },
	{ "F033", "Business analist", 3, TK_STAFF, 2 },
	{ "F041", "Manager HR", 4, TK_HEAD, 0 },
	{ "F042", "HR-adviseur", 4, TK_STAFF, 3 },
	{ "F043", "Medewerker personeelsadministratie", 4, TK_STAFF, 3 },
	{ "F044", "Recruiter", 4, TK_STAFF, 1 },
	{ "F051", "Manager facilitair", 5, TK_HEAD, 0 },
	{ "F052", "Facilitair medewerker", 5, TK_STAFF, 4 },
	{ "F053", "Medewerker receptie", 5, TK_STAFF, 2 },
	{ "F054", "Huismeester", 5, TK_STAFF, 1 },
	{ "F055", "Medewerker schoonmaak", 5, TK_STAFF, 2 },
	/* A real title with the delimiter in it, so the quoting gets used. */
	{ "F056", "Coördinator kwaliteit; veiligheid en milieu", 5, TK_STAFF, 2 },
	{ "F061", "Manager communicatie", 6, TK_HEAD, 0 },
	{ "F062", "Communicatieadviseur", 6, TK_STAFF, 3 },
	{ "F063", "Webredacteur", 6, TK_STAFF, 1 },
	{ "F064", "Vormgever", 6, TK_STAFF, 1 },
	{ "F071", "Manager juridische zaken", 7, TK_HEAD, 0 },
	{ "F072", "Jurist", 7, TK_STAFF, 3 },
	{ "F073", "Privacy officer", 7, TK_STAFF, 1 },
	{ "F074", "Juridisch medewerker", 7, TK_STAFF, 2 },
	{ "F081", "Manager verpleging", 8, TK_HEAD, 0 },
	{ "F082", "Verpleegkundige", 8, TK_STAFF, 10 },
	{ "F083", "Senior verpleegkundige", 8, TK_STAFF, 3 },
	{ "F084", "Verpleegkundig specialist", 8, TK_STAFF, 1 },
	{ "F085", "Leerling-verpleegkundige", 8, TK_STAFF, 2 },
	{ "F091", "Manager zorg", 9, TK_HEAD, 0 },
	{ "F092", "Verzorgende IG", 9, TK_STAFF, 8 },
	{ "F093", "Helpende", 9, TK_STAFF, 4 },
	{ "F094", "Zorgcoördinator", 9, TK_STAFF, 2 },
	{ "F095", "Activiteitenbegeleider", 9, TK_STAFF, 2 },
	{ "F096", "Zorgassistent", 9, TK_STAFF, 2 },
	{ "F101", "Manager onderwijs", 10, TK_HEAD, 0 },
	{ "F102", "Docent", 10, TK_STAFF, 10 },
	{ "F103", "Praktijkopleider", 10, TK_STAFF, 2 },
	{ "F104", "Onderwijsassistent", 10, TK_STAFF, 2 },
	{ "F105", "Roostermaker", 10, TK_STAFF, 1 },
	{ "F111", "Manager inkoop", 11, TK_HEAD, 0 },
	{ "F112", "Inkoper", 11, TK_STAFF, 3 },
	{ "F113", "Contractmanager", 11, TK_STAFF, 1 },
	{ "F114", "Medewerker inkoop", 11, TK_STAFF, 1 },
	{ "F901", "Stagiair", -1, TK_INTERN, 0 },
	{ "F902", "Teamleider", -1, TK_LEAD, 0 },
	{ "F903", "Adviseur", -1, TK_STAFF, 1 },
};

static const char *const locations[] = {
	"Utrecht",
	"Amersfoort",
	"'s-Hertogenbosch",
	"Zwolle",
};
static const unsigned char location_w[] = { 40, 25, 20, 15 };

struct fte {
	const char *text;
	unsigned char w;
};

/* Hospital and care agreements count in 36-hour weeks: 32/36 is 0,8889. */
static const struct fte fte_employee[] = {
	{ "1,0", 30 },	 { "0,8", 18 },	  { "0,9", 8 },	   { "0,6", 10 }, { "0,5", 8 },
	{ "0,8889", 7 }, { "0,5556", 5 }, { "0,7222", 4 }, { "0,4", 4 },  { "0,7", 6 },
};

static const char *const fte_split[][2] = {
	{ "0,6", "0,4" }, { "0,5", "0,5" }, { "0,8", "0,2" }, { "0,5556", "0,4444" }, { "0,7", "0,3" },
};

struct given {
	const char *name;
	const char *initial; /* NULL: the first letter of name */
	unsigned char w;
};

/* Roepnaam is not always the first baptismal name: Kees is C. (Cornelis). */
static const struct given given_m[] = {
	{ "Jan", NULL, 6 },	 { "Pieter", NULL, 4 }, { "Kees", "C", 3 },	{ "Henk", NULL, 3 },
	{ "Willem", NULL, 3 },	 { "Wim", "W", 2 },	{ "Hans", "J", 3 },	{ "Daan", NULL, 4 },
	{ "Sem", NULL, 3 },	 { "Lucas", NULL, 3 },	{ "Thijs", NULL, 4 },	{ "Bram", "A", 3 },
	{ "Ruben", NULL, 3 },	 { "Joris", NULL, 3 },	{ "Maarten", NULL, 3 }, { "Sander", NULL, 4 },
	{ "Bas", NULL, 3 },	 { "Tom", NULL, 3 },	{ "Niels", NULL, 3 },	{ "Jeroen", NULL, 4 },
	{ "Martijn", NULL, 4 },	 { "Erik", NULL, 3 },	{ "Gerrit", NULL, 2 },	{ "Dirk", NULL, 2 },
	{ "Johan", NULL, 3 },	 { "Frank", NULL, 3 },	{ "Stefan", NULL, 3 },	{ "Mark", NULL, 4 },
	{ "Rob", NULL, 3 },	 { "Wouter", NULL, 3 }, { "Koen", NULL, 3 },	{ "Jasper", NULL, 3 },
	{ "Teun", NULL, 2 },	 { "Finn", NULL, 2 },	{ "Luuk", NULL, 3 },	{ "Milan", NULL, 2 },
	{ "Levi", NULL, 2 },	 { "Noah", NULL, 2 },	{ "Jesse", NULL, 2 },	{ "Stijn", NULL, 3 },
	{ "Gijs", NULL, 2 },	 { "Hidde", NULL, 1 },	{ "Joop", "J", 1 },	{ "Sjaak", "J", 1 },
	{ "IJsbrand", "IJ", 1 }, { "Noël", NULL, 1 },	{ "René", NULL, 1 },	{ "André", NULL, 1 },
	{ "Łukasz", NULL, 1 },	 { "Mehmet", NULL, 2 }, { "Mohamed", NULL, 2 }, { "Yusuf", NULL, 1 },
	{ "Emre", NULL, 1 },	 { "Ömer", NULL, 1 },	{ "Hüseyin", NULL, 1 }, { "Rachid", NULL, 1 },
	{ "Kofi", NULL, 1 },	 { "Björn", NULL, 1 },	{ "Søren", NULL, 1 },	{ "Jürgen", NULL, 1 },
	{ "José", NULL, 1 },	 { "Wei", NULL, 1 },	{ "Minh", NULL, 1 },	{ "Arjun", NULL, 1 },
	{ "Piotr", NULL, 1 },	 { "Tomasz", NULL, 1 },
};

static const struct given given_f[] = {
	{ "Anna", NULL, 4 },	{ "Emma", NULL, 4 },	{ "Sophie", NULL, 4 },	  { "Julia", NULL, 3 },
	{ "Lotte", NULL, 3 },	{ "Sanne", NULL, 4 },	{ "Femke", NULL, 3 },	  { "Anouk", NULL, 3 },
	{ "Eva", NULL, 3 },	{ "Lisa", NULL, 4 },	{ "Iris", NULL, 3 },	  { "Fleur", NULL, 3 },
	{ "Marieke", NULL, 3 }, { "Ingrid", NULL, 2 },	{ "Annemieke", NULL, 2 }, { "Els", NULL, 2 },
	{ "Ria", "M", 2 },	{ "Mieke", "M", 1 },	{ "Toos", "C", 1 },	  { "Bep", "E", 1 },
	{ "Wilma", NULL, 2 },	{ "Linda", NULL, 3 },	{ "Petra", NULL, 3 },	  { "Monique", NULL, 3 },
	{ "Esther", NULL, 3 },	{ "Karin", NULL, 3 },	{ "Saskia", NULL, 3 },	  { "Nicole", NULL, 2 },
	{ "Mirjam", NULL, 2 },	{ "Janneke", NULL, 2 }, { "Noor", NULL, 3 },	  { "Tess", NULL, 2 },
	{ "Sara", NULL, 3 },	{ "Roos", NULL, 2 },	{ "Lieke", NULL, 2 },	  { "Maud", NULL, 2 },
	{ "Ilse", NULL, 2 },	{ "Mila", NULL, 2 },	{ "Yara", NULL, 1 },	  { "Fenna", NULL, 2 },
	{ "Zoë", NULL, 1 },	{ "Chloë", NULL, 1 },	{ "Anaïs", NULL, 1 },	  { "Renée", NULL, 1 },
	{ "Fatima", NULL, 2 },	{ "Ayşe", NULL, 1 },	{ "Khadija", NULL, 1 },	  { "Nadia", NULL, 1 },
	{ "Samira", NULL, 1 },	{ "Priya", NULL, 1 },	{ "Agnieszka", NULL, 1 }, { "Małgorzata", NULL, 1 },
	{ "Siobhán", NULL, 1 }, { "Inês", NULL, 1 },	{ "Thảo", NULL, 1 },	  { "Ama", NULL, 1 },
	{ "Hanna", NULL, 2 },	{ "Elif", NULL, 1 },	{ "Gülşen", NULL, 1 },	  { "Ingeborg", NULL, 1 },
};

struct family {
	const char *prefix;
	const char *name;
	unsigned char w;
};

static const struct family families[] = {
	{ "de", "Vries", 8 },	    { "de", "Jong", 7 },      { "", "Jansen", 7 },	   { "", "Bakker", 6 },
	{ "", "Janssen", 5 },	    { "", "Visser", 6 },      { "", "Smit", 6 },	   { "", "Meijer", 5 },
	{ "de", "Boer", 5 },	    { "", "Mulder", 5 },      { "de", "Groot", 5 },	   { "", "Bos", 5 },
	{ "", "Vos", 4 },	    { "", "Peters", 4 },      { "", "Hendriks", 4 },	   { "van", "Leeuwen", 4 },
	{ "", "Dekker", 4 },	    { "", "Brouwer", 4 },     { "de", "Wit", 4 },	   { "", "Dijkstra", 4 },
	{ "", "Smits", 3 },	    { "de", "Graaf", 3 },     { "van der", "Meer", 4 },	   { "van der", "Linden", 3 },
	{ "", "Kok", 3 },	    { "", "Jacobs", 3 },      { "de", "Haan", 3 },	   { "", "Vermeulen", 3 },
	{ "van den", "Heuvel", 3 }, { "van der", "Veen", 3 }, { "van den", "Berg", 4 },	   { "van", "Dijk", 5 },
	{ "van", "Dam", 3 },	    { "'t", "Hart", 2 },      { "van 't", "Hof", 1 },	   { "in 't", "Veld", 1 },
	{ "ter", "Horst", 1 },	    { "ter", "Haar", 1 },     { "", "Willems", 3 },	   { "", "Hoekstra", 3 },
	{ "", "Koster", 3 },	    { "", "Prins", 3 },	      { "", "Huisman", 3 },	   { "", "Maas", 3 },
	{ "van", "Beek", 3 },	    { "", "Kuipers", 3 },     { "van der", "Heijden", 3 }, { "van", "Vliet", 2 },
	{ "", "Postma", 2 },	    { "van der", "Wal", 2 },  { "", "Schouten", 2 },	   { "van", "Wijk", 2 },
	{ "de", "Bruijn", 3 },	    { "", "Sanders", 2 },     { "van den", "Bosch", 2 },   { "", "Timmermans", 2 },
	{ "", "Verhoeven", 2 },	    { "van der", "Laan", 2 }, { "", "Kramer", 2 },	   { "van den", "Broek", 3 },
	{ "", "Hoogendoorn", 1 },   { "", "IJzerman", 1 },    { "", "Çelik", 1 },	   { "", "Yılmaz", 2 },
	{ "", "Şahin", 1 },	    { "", "Kaya", 1 },	      { "", "Demir", 1 },	   { "", "Öztürk", 1 },
	{ "", "Bakır", 1 },	    { "", "Müller", 1 },      { "", "Groß", 1 },	   { "", "Schäfer", 1 },
	{ "", "Nguyễn", 1 },	    { "", "Trần", 1 },	      { "", "Jiménez", 1 },	   { "", "García", 1 },
	{ "", "Ødegaard", 1 },	    { "", "Kowalski", 1 },    { "", "Wiśniewski", 1 },	   { "", "Nowak", 1 },
	{ "", "El Amrani", 1 },	    { "", "Bouzid", 1 },      { "", "Benali", 1 },	   { "", "Ramdin", 1 },
	{ "", "Sewnarain", 1 },	    { "", "Mensah", 1 },      { "", "O'Brien", 1 },	   { "", "Dubois", 1 },
	{ "", "Lefèvre", 1 },	    { "", "Rossi", 1 },	      { "", "Kovačević", 1 },	   { "", "Horváth", 1 },
	{ "", "Haddad", 1 },
};

static const char *const projects[] = {
	"ERP2026", "Verhuizing", "EPD-migratie", "Datacenter2026", "Zorgrooster", "AVG-audit", "Nieuwbouw-Zwolle",
};

static const char *const org_roles[] = {
	"bhv", "ondernemingsraad", "preventiemedewerker", "vertrouwenspersoon", "ehbo",
};

static const char *const mail_domains[] = {
	"example.net",
	"example.com",
	"example.org",
};

/* Letters Dutch second and third baptismal names start with most. */
static const char extra_initials[] = "AAACCEFGHHJJJMMMPPTWW";

/*
 * Fixed persons, so that every export of at least 300 persons contains the
 * awkward cases an importer and a naming rule must handle: the same full name
 * twice, diacritics, "'t", and every naming convention, including P without a
 * partner name as real HR data has.
 */
struct pin {
	unsigned idx;
	unsigned char female;
	const char *given;
	const char *initials;
	const char *prefix;
	const char *family;
	const char *pprefix;
	const char *pfamily;
	const char *conv;
};

static const struct pin pins[] = {
	{ 17, 0, "Jan", "J.", "de", "Vries", "", "", "B" },
	{ 25, 1, "Zoë", "Z.", "de", "Jong", "", "", "B" },
	{ 48, 0, "Emre", "E.", "", "Çelik", "", "", "B" },
	{ 61, 0, "Łukasz", "Ł.", "", "Kowalski", "", "", "B" },
	{ 77, 1, "Marieke", "M.J.", "'t", "Hart", "van der", "Meer", "BP" },
	{ 90, 0, "Pieter", "P.W.", "van der", "Linden", "", "", "B" },
	{ 103, 1, "Anaïs", "A.", "", "Şahin", "de", "Groot", "PB" },
	{ 129, 1, "Sanne", "S.M.", "", "Bakker", "van den", "Berg", "P" },
	{ 141, 1, "Chloë", "C.", "van", "Dijk", "", "", "P" },
	{ 188, 0, "Noël", "N.A.", "de", "Wit", "", "", "P" },
	{ 207, 0, "Mehmet", "M.", "", "Bakır", "", "", "B" },
	{ 233, 0, "Jan", "J.", "de", "Vries", "", "", "B" },
	{ 252, 1, "Fenna", "F.", "in 't", "Veld", "", "Müller", "BP" },
	{ 271, 0, "Bas", "B.H.", "van 't", "Hof", "", "Nguyễn", "P" },
	{ 289, 0, "Søren", "S.", "", "Ødegaard", "", "", "B" },
};

/* Diacritics folded for e-mail local parts; anything else is dropped. */
static const char *const fold[][2] = {
	{ "á", "a" }, { "à", "a" }, { "â", "a" }, { "ä", "a" }, { "å", "a" }, { "ã", "a" },  { "ă", "a" }, { "ạ", "a" },
	{ "ầ", "a" }, { "ả", "a" }, { "ç", "c" }, { "Ç", "c" }, { "č", "c" }, { "ć", "c" },  { "é", "e" }, { "è", "e" },
	{ "ê", "e" }, { "ë", "e" }, { "ễ", "e" }, { "í", "i" }, { "ï", "i" }, { "ı", "i" },  { "İ", "i" }, { "ł", "l" },
	{ "Ł", "l" }, { "ñ", "n" }, { "ń", "n" }, { "ó", "o" }, { "ö", "o" }, { "Ö", "o" },  { "ô", "o" }, { "ø", "o" },
	{ "Ø", "o" }, { "ş", "s" }, { "Ş", "s" }, { "ś", "s" }, { "š", "s" }, { "ß", "ss" }, { "ú", "u" }, { "ü", "u" },
	{ "ù", "u" }, { "ğ", "g" }, { "ž", "z" }, { "ż", "z" },
};

/* ------------------------------------------------------------------ prng */

struct rng {
	uint64_t s;
};

static uint64_t
mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
hash3(uint64_t seed, uint64_t idx, uint64_t salt)
{
	return mix64(mix64(seed ^ mix64(salt)) ^ idx);
}

static struct rng
rng_for(uint64_t seed, uint64_t idx, uint64_t salt)
{
	struct rng r = { hash3(seed, idx, salt) };
	return r;
}

/* splitmix64: small, fast and fully specified, unlike rand(). */
static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* n must be positive; the modulo bias is far below what anyone could see. */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static int32_t
rng_range(struct rng *r, int32_t lo, int32_t hi)
{
	return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

static int
rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

/* Cumulative weights; a pick is a binary search for the first cum > x. */
static size_t
cum_pick(struct rng *r, const uint32_t *cum, size_t n)
{
	uint32_t x = rng_below(r, cum[n - 1]);
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ----------------------------------------------------------------- dates */

/* Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant). */
static int32_t
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* 0 is Monday; 1970-01-01 was a Thursday. */
static int
weekday(int32_t z)
{
	int w = (int)((z + 3) % 7);

	return w < 0 ? w + 7 : w;
}

static int32_t
first_of_month(int32_t z)
{
	int y, m, d;

	civil_from_days(z, &y, &m, &d);
	return z - (d - 1);
}

static int32_t
last_of_month(int32_t z)
{
	int y, m, d;

	civil_from_days(z, &y, &m, &d);
	return z + (days_in_month(y, m) - d);
}

/* Same day n months later (n may be negative), clipped: 31 Jan + 1 = 28 Feb. */
static int32_t
add_months(int32_t z, int n)
{
	int y, m, d, dim;

	civil_from_days(z, &y, &m, &d);
	/* Months since year 0, never negative for the years we accept. */
	m = y * 12 + (m - 1) + n;
	y = m / 12;
	m = m % 12 + 1;
	dim = days_in_month(y, m);
	return days_from_civil(y, m, d > dim ? dim : d);
}

/* ---------------------------------------------------------------- output */

#define OUT_BUFSZ 65536

/*
 * A buffered file that remembers its first write error, so rows can be
 * written without checking every field and the error reported once on close.
 */
struct out {
	FILE *fp;
	char *path;
	int err;
	size_t len;
	char buf[OUT_BUFSZ];
};

static void
out_flush(struct out *o)
{
	errno = 0;
	if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
}

static void
out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->len + n > OUT_BUFSZ) {
		out_flush(o);
		if (n > OUT_BUFSZ) {
			errno = 0;
			if (!o->err && fwrite(s, 1, n, o->fp) != n)
				o->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* RFC 4180: quote only when needed, double the quotes inside. */
static void
out_field(struct out *o, const char *s)
{
	const char *q;

	if (!strpbrk(s, ";\"\r\n")) {
		out_str(o, s);
		return;
	}
	out_bytes(o, "\"", 1);
	while ((q = strchr(s, '"'))) {
		out_bytes(o, s, (size_t)(q - s + 1));
		out_bytes(o, "\"", 1);
		s = q + 1;
	}
	out_str(o, s);
	out_bytes(o, "\"", 1);
}

static void
out_sep(struct out *o)
{
	out_bytes(o, ";", 1);
}

static void
out_eol(struct out *o)
{
	out_bytes(o, "\r\n", 2);
}

/* Zero-padded to at least width digits; hand-rolled, this runs millions of times. */
static void
out_uint(struct out *o, uint32_t v, int width)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < (int)sizeof(tmp))
		tmp[sizeof(tmp) - 1 - n++] = '0';
	out_bytes(o, tmp + sizeof(tmp) - n, (size_t)n);
}

/* DD-MM-YYYY, or nothing for an open date. */
static void
out_date(struct out *o, int32_t z)
{
	int y, m, d;

	if (z == NODATE)
		return;
	civil_from_days(z, &y, &m, &d);
	out_uint(o, (uint32_t)d, 2);
	out_bytes(o, "-", 1);
	out_uint(o, (uint32_t)m, 2);
	out_bytes(o, "-", 1);
	out_uint(o, (uint32_t)y, 4);
}

static void
out_employee(struct out *o, uint32_t idx)
{
	out_uint(o, EMPLOYEE_BASE + idx, 6);
}

__attribute__((format(printf, 1, 2))) static int
errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("roster-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/*
 * Returns a new struct out for dir/name, or NULL after printing why.
 * The caller closes it with out_close().
 */
static struct out *
out_open(const char *dir, const char *name)
{
	struct out *o;
	size_t n = strlen(dir) + strlen(name) + 2;

	o = calloc(1, sizeof(*o));
	if (!o || !(o->path = malloc(n))) {
		errorf("out of memory");
		goto fail;
	}
	snprintf(o->path, n, "%s/%s", dir, name);
	o->fp = fopen(o->path, "wb");
	if (!o->fp) {
		errorf("cannot create %s: %s", o->path, strerror(errno));
		goto fail;
	}
	return o;
fail:
	if (o)
		free(o->path);
	free(o);
	return NULL;
}

/* Flushes, closes and frees o; -1 (reported) if anything failed. NULL is fine. */
static int
out_close(struct out *o)
{
	int ret = 0;

	if (!o)
		return 0;
	out_flush(o);
	errno = 0;
	if (fclose(o->fp) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	if (o->err)
		ret = errorf("cannot write %s: %s", o->path, strerror(o->err));
	free(o->path);
	free(o);
	return ret;
}

/* ------------------------------------------------------------- generator */

struct opts {
	uint32_t persons;
	uint64_t seed;
	int32_t ref;
	double mutate;
	int single_file;
	const char *outdir;
};

/* Staff titles of one department; sized so no table edit can overflow it. */
struct dept_titles {
	size_t n;
	uint16_t title[ARRAY_SIZE(titles)];
	uint32_t cum[ARRAY_SIZE(titles)];
};

/* The whole organisation is determined by the options and these tables. */
struct gen {
	uint32_t n;
	uint64_t seed;
	int32_t ref;
	uint64_t mut_threshold; /* a person mutates when its draw is below */
	int mutating;
	unsigned nheads; /* departments with a head: 0 .. nheads-1 */
	uint32_t dept_cum[NDEPT];
	uint32_t given_m_cum[ARRAY_SIZE(given_m)];
	uint32_t given_f_cum[ARRAY_SIZE(given_f)];
	uint32_t family_cum[ARRAY_SIZE(families)];
	uint32_t loc_cum[ARRAY_SIZE(locations)];
	uint32_t fte_cum[ARRAY_SIZE(fte_employee)];
	struct dept_titles dt[NDEPT];
	unsigned title_director, title_lead, title_intern, title_adviser;
	unsigned title_head[NDEPT];
	uint8_t *replaced; /* bitmap: someone's "replaces" names this person */
	/* team-leader bookkeeping, advanced in person order */
	uint32_t team_count[NDEPT];
	uint32_t team_lead[NDEPT];
};

struct contract {
	int32_t start;
	int32_t end; /* NODATE: open-ended */
	unsigned char dept;
	unsigned char type;
	unsigned char loc;
	uint16_t title;
	const char *fte;
};

struct assignment {
	unsigned char kind;
	const char *value; /* project or role; unused for replaces */
	uint32_t target;   /* replaces: the person index replaced */
	int32_t start;
	int32_t end;
};

struct person {
	uint32_t idx;
	unsigned char role;
	unsigned char dept; /* department of the primary contract */
	unsigned char female;
	uint32_t boss; /* manager in the primary department */
	const char *given;
	const char *prefix;
	const char *family;
	const char *pprefix;
	const char *pfamily;
	const char *conv;
	char initials[32];
	char email[128];
	char phone[16];
	int nc;
	int primary;
	struct contract c[2];
	int na;
	struct assignment a[2];
};

/* Running totals of the byte at offset off in each of n stride-sized rows. */
static void
cum_init(uint32_t *cum, const unsigned char *base, size_t off, size_t stride, size_t n)
{
	uint32_t t = 0;

	for (size_t i = 0; i < n; i++) {
		t += base[i * stride + off];
		cum[i] = t;
	}
}

#define CUM_INIT(cum, tab)                                                                                             \
	cum_init((cum), (const unsigned char *)(tab),                                                                  \
		 (size_t)((const unsigned char *)&(tab)[0].w - (const unsigned char *)(tab)), sizeof((tab)[0]),        \
		 ARRAY_SIZE(tab))

static void
gen_init_tables(struct gen *g)
{
	uint32_t t = 0;

	CUM_INIT(g->given_m_cum, given_m);
	CUM_INIT(g->given_f_cum, given_f);
	CUM_INIT(g->family_cum, families);
	CUM_INIT(g->fte_cum, fte_employee);
	cum_init(g->loc_cum, location_w, 0, 1, ARRAY_SIZE(location_w));

	/* Departments without a head (tiny exports) get no staff. */
	g->nheads = g->n < NDEPT ? g->n : NDEPT;
	for (unsigned d = 0; d < NDEPT; d++) {
		if (d < g->nheads)
			t += depts[d].w;
		g->dept_cum[d] = t;
	}

	for (unsigned i = 0; i < ARRAY_SIZE(titles); i++) {
		const struct title *ti = &titles[i];

		switch (ti->kind) {
		case TK_DIRECTOR: g->title_director = i; break;
		case TK_HEAD: g->title_head[ti->dept] = i; break;
		case TK_LEAD: g->title_lead = i; break;
		case TK_INTERN: g->title_intern = i; break;
		default:
			if (ti->dept < 0)
				g->title_adviser = i;
			for (unsigned d = 0; d < NDEPT; d++) {
				struct dept_titles *dt = &g->dt[d];

				if (ti->dept != -1 && (unsigned)ti->dept != d)
					continue;
				dt->title[dt->n] = (uint16_t)i;
				dt->cum[dt->n] = (dt->n ? dt->cum[dt->n - 1] : 0) + ti->w;
				dt->n++;
			}
		}
	}
	g->title_head[0] = g->title_director;
}

/* The primary department of a staff member: a pure function of the index. */
static unsigned
dept_of(const struct gen *g, uint32_t idx)
{
	struct rng r = rng_for(g->seed, idx, SALT_DEPT);

	return (unsigned)cum_pick(&r, g->dept_cum, NDEPT);
}

static unsigned
other_dept(const struct gen *g, struct rng *r, unsigned dept)
{
	for (int i = 0; i < 8; i++) {
		unsigned d = (unsigned)cum_pick(r, g->dept_cum, NDEPT);
		if (d != dept)
			return d;
	}
	return dept;
}

static unsigned
staff_title(const struct gen *g, struct rng *r, unsigned dept)
{
	const struct dept_titles *dt = &g->dt[dept];

	return dt->title[cum_pick(r, dt->cum, dt->n)];
}

static unsigned
other_title(const struct gen *g, struct rng *r, unsigned dept, unsigned old)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = staff_title(g, r, dept);
		if (t != old)
			return t;
	}
	return old;
}

static const char *
employee_fte(const struct gen *g, struct rng *r)
{
	return fte_employee[cum_pick(r, g->fte_cum, ARRAY_SIZE(fte_employee))].text;
}

/* A start date in [ref-max, ref-min], usually the first of a month. */
static int32_t
start_past(const struct gen *g, struct rng *r, int32_t min, int32_t max)
{
	int32_t z = g->ref - rng_range(r, min, max);

	return rng_pct(r, 75) ? first_of_month(z) : z;
}

/* A start date in [ref+1, ref+60], the first of a month when that fits. */
static int32_t
start_future(const struct gen *g, struct rng *r)
{
	int32_t z = g->ref + rng_range(r, 1, 60);
	int32_t f = first_of_month(z);

	return rng_pct(r, 60) && f > g->ref ? f : z;
}

/* An end date in [ref-max, ref-min], often the last of a month. */
static int32_t
end_past(const struct gen *g, struct rng *r, int32_t min, int32_t max)
{
	int32_t z = g->ref - rng_range(r, min, max);
	int32_t l = last_of_month(z);

	return rng_pct(r, 60) && l < g->ref ? l : z;
}

static void
contract_set(struct contract *c, unsigned dept, unsigned title, unsigned type, unsigned loc, const char *fte,
	     int32_t start, int32_t end)
{
	c->dept = (unsigned char)dept;
	c->title = (uint16_t)title;
	c->type = (unsigned char)type;
	c->loc = (unsigned char)loc;
	c->fte = fte;
	c->start = start;
	c->end = end;
}

/* Bytes in the first UTF-8 character of s: 2 for "Łukasz", so its initial is "Ł". */
static size_t
first_char_len(const char *s)
{
	size_t n = 1;

	while (s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static void
make_initials(struct rng *r, const struct given *gv, char *buf, size_t size)
{
	const char *init = gv->initial ? gv->initial : gv->name;
	size_t n = gv->initial ? strlen(init) : first_char_len(init);
	uint32_t extra = rng_below(r, 100);
	int len;

	extra = extra < 45 ? 0 : extra < 80 ? 1 : 2;
	len = snprintf(buf, size, "%.*s.", (int)n, init);
	for (uint32_t i = 0; i < extra && len > 0 && (size_t)len < size; i++) {
		char c = extra_initials[rng_below(r, sizeof(extra_initials) - 1)];
		len += snprintf(buf + len, size - (size_t)len, "%c.", c);
	}
}

/* Lowercase ASCII of a name for an e-mail local part: "'t Hart" is "thart". */
static size_t
mail_fold(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	while (*s && n + 3 < size) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x80) {
			if (c >= 'A' && c <= 'Z')
				dst[n++] = (char)(c - 'A' + 'a');
			else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				dst[n++] = (char)c;
			s++;
			continue;
		}
		size_t len = first_char_len(s);
		for (size_t i = 0; i < ARRAY_SIZE(fold); i++) {
			if (strlen(fold[i][0]) == len && !memcmp(s, fold[i][0], len)) {
				for (const char *a = fold[i][1]; *a; a++)
					dst[n++] = *a;
				break;
			}
		}
		s += len;
	}
	dst[n] = '\0';
	return n;
}

static void
make_contact(struct rng *r, struct person *p)
{
	char given[48], first[8], family[64];
	const char *dom = mail_domains[rng_below(r, ARRAY_SIZE(mail_domains))];
	uint32_t style = rng_below(r, 100);
	uint32_t year = (uint32_t)rng_range(r, 55, 104) % 100;
	int use_partner = p->pfamily[0] && rng_pct(r, 40);
	char pf[64];
	int empty_mail = rng_pct(r, 10);
	int empty_phone = rng_pct(r, 15);
	uint32_t phone = (uint32_t)rng_range(r, 10000000, 99999999);

	mail_fold(given, sizeof(given), p->given);
	snprintf(pf, sizeof(pf), "%s%s", use_partner ? p->pprefix : p->prefix, use_partner ? p->pfamily : p->family);
	mail_fold(family, sizeof(family), pf);
	first[0] = given[0];
	first[1] = '\0';

	if (empty_mail || !given[0] || !family[0])
		p->email[0] = '\0';
	else if (style < 50)
		snprintf(p->email, sizeof(p->email), "%s.%s@%s", given, family, dom);
	else if (style < 70)
		snprintf(p->email, sizeof(p->email), "%s.%s@%s", first, family, dom);
	else if (style < 85)
		snprintf(p->email, sizeof(p->email), "%s%s%02u@%s", given, family, (unsigned)year, dom);
	else
		snprintf(p->email, sizeof(p->email), "%s.%s@%s", family, given, dom);

	if (empty_phone)
		p->phone[0] = '\0';
	else
		snprintf(p->phone, sizeof(p->phone), "06-%08u", (unsigned)phone);
}

static void
apply_pin(struct person *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(pins); i++) {
		const struct pin *pn = &pins[i];

		if (pn->idx != p->idx)
			continue;
		p->female = pn->female;
		p->given = pn->given;
		snprintf(p->initials, sizeof(p->initials), "%s", pn->initials);
		p->prefix = pn->prefix;
		p->family = pn->family;
		p->pprefix = pn->pprefix;
		p->pfamily = pn->pfamily;
		p->conv = pn->conv;
		return;
	}
}

static void
make_name(const struct gen *g, struct rng *r, struct person *p)
{
	const struct given *gv;
	const struct family *fam, *pfam;
	int partner;
	uint32_t c;

	p->female = rng_pct(r, 55);
	if (p->female)
		gv = &given_f[cum_pick(r, g->given_f_cum, ARRAY_SIZE(given_f))];
	else
		gv = &given_m[cum_pick(r, g->given_m_cum, ARRAY_SIZE(given_m))];
	fam = &families[cum_pick(r, g->family_cum, ARRAY_SIZE(families))];
	pfam = &families[cum_pick(r, g->family_cum, ARRAY_SIZE(families))];
	p->given = gv->name;
	make_initials(r, gv, p->initials, sizeof(p->initials));
	p->prefix = fam->prefix;
	p->family = fam->name;

	partner = rng_pct(r, p->female ? 36 : 11);
	c = rng_below(r, 1000);
	if (partner) {
		p->pprefix = pfam->prefix;
		p->pfamily = pfam->name;
		p->conv = c < 350 ? "B" : c < 650 ? "P" : c < 850 ? "BP" : "PB";
	} else {
		p->pprefix = "";
		p->pfamily = "";
		/* Beyond the fixed cases, P without a partner name stays rare. */
		p->conv = c < 2 && p->idx >= 300 ? "P" : "B";
	}
	/* Pins are all above the department heads' indices. */
	if (p->idx < 300)
		apply_pin(p);
}

/*
 * The contracts of a staff member.  The shapes are the situations the engine
 * must get right around the reference date: joiners, leavers, movers between
 * departments, part-timers in two departments, contracts that end on a Friday
 * and continue on Monday, externals and interns that always have an end date.
 *
 * Every draw is a statement of its own: C leaves the order in which function
 * arguments are evaluated open, and gcc and clang do pick different orders,
 * so two draws in one argument list would make the output compiler-dependent.
 */
static void
make_staff_contracts(const struct gen *g, struct rng *r, struct person *p, int fresh)
{
	int32_t R = g->ref, s, e;
	unsigned d = p->dept, d2, loc, loc2, ti, t;
	const char *f;
	uint32_t u, k;
	struct contract *c0 = &p->c[0], *c1 = &p->c[1];

	loc = (unsigned)cum_pick(r, g->loc_cum, ARRAY_SIZE(locations));
	loc2 = loc;
	if (!rng_pct(r, 70))
		loc2 = (unsigned)cum_pick(r, g->loc_cum, ARRAY_SIZE(locations));
	u = rng_below(r, 1000);
	d2 = other_dept(g, r, d);
	ti = staff_title(g, r, d);
	f = employee_fte(g, r);
	p->nc = 1;
	p->primary = 0;

	if (fresh) {
		/* Added by --mutate: a hire that starts soon or just started. */
		if (rng_pct(r, 70))
			s = start_future(g, r);
		else
			s = R - rng_range(r, 0, 14);
		contract_set(c0, d, ti, T_EMPLOYEE, loc, f, s, NODATE);
		return;
	}

	/* One fixed person without a contract, so the 300-person example has one. */
	if (p->idx == 150)
		u = 0;
	if (u < 3) {
		/* Registered in HR, no contract yet (or any more). */
		p->nc = 0;
	} else if (u < 634) {
		s = start_past(g, r, 60, rng_pct(r, 70) ? 12 * 365 : 30 * 365);
		contract_set(c0, d, ti, T_EMPLOYEE, loc, f, s, NODATE);
	} else if (u < 646) {
		/* Resigned, leaving within a month. */
		s = start_past(g, r, 200, 6000);
		e = R + rng_range(r, 1, 30);
		contract_set(c0, d, ti, T_EMPLOYEE, loc, f, s, e);
	} else if (u < 674) {
		/* Future joiner. */
		s = start_future(g, r);
		if (rng_pct(r, 75))
			contract_set(c0, d, ti, T_EMPLOYEE, loc, f, s, NODATE);
		else
			contract_set(c0, d, ti, T_TEMPORARY, loc, f, s, add_months(s, 12) - 1);
	} else if (u < 690) {
		/* Leaver whose only contract has ended, still in the export. */
		t = rng_pct(r, 80) ? T_EMPLOYEE : T_TEMPORARY;
		e = end_past(g, r, 1, 180);
		if (t == T_TEMPORARY)
			s = add_months(e + 1, -rng_range(r, 6, 24));
		else
			s = start_past(g, r, 365 + (R - e), 8000);
		contract_set(c0, d, ti, t, loc, f, s, e);
	} else if (u < 735) {
		/* External hire: always an end date. */
		static const char *const fte_ext[] = { "1,0", "0,8", "0,6", "0,4" };

		k = rng_below(r, 100);
		s = R - rng_range(r, 30, 720);
		if (k < 70)
			e = last_of_month(R + rng_range(r, 14, 365));
		else if (k < 90)
			e = R + rng_range(r, 1, 30);
		else
			e = R - rng_range(r, 1, 29);
		if (rng_pct(r, 40))
			ti = g->title_adviser;
		f = fte_ext[rng_below(r, ARRAY_SIZE(fte_ext))];
		contract_set(c0, d, ti, T_EXTERNAL, loc, f, s, e);
	} else if (u < 760) {
		/* Intern: three to six months, some not started, some done. */
		s = first_of_month(R + rng_range(r, -200, 40));
		if (s <= R && rng_pct(r, 30))
			s = first_of_month(R + 32);
		e = add_months(s, rng_range(r, 3, 6)) - 1;
		f = rng_pct(r, 70) ? "1,0" : "0,8";
		contract_set(c0, d, g->title_intern, T_INTERN, loc, f, s, e);
	} else if (u < 795) {
		/* Temporary contract for a year or half a year. */
		s = first_of_month(R - rng_range(r, 20, 330));
		e = add_months(s, rng_pct(r, 70) ? 12 : 6) - 1;
		contract_set(c0, d, ti, T_TEMPORARY, loc, f, s, e);
	} else if (u < 900) {
		/* Part-time in two departments at once. */
		const char *const *split = fte_split[rng_below(r, ARRAY_SIZE(fte_split))];

		s = start_past(g, r, 60, 15 * 365);
		contract_set(c0, d, ti, T_EMPLOYEE, loc, split[0], s, NODATE);
		if (rng_pct(r, 50))
			s = start_past(g, r, 30, R - s);
		ti = staff_title(g, r, d2);
		contract_set(c1, d2, ti, T_EMPLOYEE, loc2, split[1], s, NODATE);
		p->nc = 2;
	} else if (u < 925) {
		/* An old temporary, intern or external contract, then hired. */
		static const unsigned char old_type[] = {
			T_TEMPORARY,
			T_TEMPORARY,
			T_INTERN,
			T_EXTERNAL,
		};
		unsigned od, oti;
		const char *of;

		t = old_type[rng_below(r, ARRAY_SIZE(old_type))];
		od = rng_pct(r, 60) ? d : d2;
		e = end_past(g, r, 40, 2000);
		s = first_of_month(e - rng_range(r, 90, 700));
		oti = staff_title(g, r, od);
		of = employee_fte(g, r);
		if (t == T_INTERN) {
			oti = g->title_intern;
			of = "1,0";
		}
		contract_set(c0, od, oti, t, loc2, of, s, e);
		s = e + rng_range(r, 1, R - e < 120 ? R - e : 120);
		contract_set(c1, d, ti, T_EMPLOYEE, loc, f, s, NODATE);
		p->nc = 2;
		p->primary = 1;
	} else if (u < 965) {
		/*
		 * A move: the old contract ends on a Friday and the new one starts
		 * the Monday after; half of these moves are still to come.
		 */
		unsigned od = rng_pct(r, 60) ? d2 : d;
		unsigned oti = staff_title(g, r, od);
		const char *of = employee_fte(g, r);

		if (rng_pct(r, 50)) {
			e = R + rng_range(r, 1, 50);
			e += (4 - weekday(e) + 7) % 7;
		} else {
			e = R - rng_range(r, 7, 700);
			e -= (weekday(e) - 4 + 7) % 7;
		}
		/* A temporary contract runs a year or two at most. */
		t = rng_pct(r, 70) ? T_EMPLOYEE : T_TEMPORARY;
		if (t == T_TEMPORARY)
			s = first_of_month(e - rng_range(r, 180, 700));
		else
			s = first_of_month(e - rng_range(r, 200, 5000));
		contract_set(c0, od, oti, t, loc2, of, s, e);
		if (od == d)
			ti = other_title(g, r, d, oti);
		contract_set(c1, d, ti, T_EMPLOYEE, loc, f, e + 3, NODATE);
		p->nc = 2;
		p->primary = 1;
	} else {
		/* Extra hours in another department on a temporary contract. */
		static const char *const fte_extra[] = { "0,2", "0,1111", "0,3" };

		s = start_past(g, r, 365, 15 * 365);
		contract_set(c0, d, ti, T_EMPLOYEE, loc, f, s, NODATE);
		k = rng_below(r, 100);
		if (k < 40) {
			s = start_future(g, r);
			e = add_months(s, 6) - 1;
		} else {
			s = first_of_month(R - rng_range(r, 60, 330));
			if (k < 65)
				e = R + rng_range(r, 1, 30);
			else
				e = last_of_month(R + rng_range(r, 31, 200));
		}
		ti = staff_title(g, r, d2);
		f = fte_extra[rng_below(r, ARRAY_SIZE(fte_extra))];
		contract_set(c1, d2, ti, T_TEMPORARY, loc2, f, s, e);
		p->nc = 2;
	}
}

/* Builds person idx of the unmutated organisation (or a --mutate hire). */
static void
person_make(const struct gen *g, uint32_t idx, unsigned role, unsigned dept, uint32_t boss, int fresh, struct person *p)
{
	struct rng r = rng_for(g->seed, idx, fresh ? SALT_ADD : SALT_PERSON);
	unsigned loc = 0;
	const char *fte;
	int32_t s;

	memset(p, 0, sizeof(*p));
	p->idx = idx;
	p->role = (unsigned char)role;
	p->dept = (unsigned char)dept;
	p->boss = boss;
	make_name(g, &r, p);
	make_contact(&r, p);

	if (role == ROLE_STAFF) {
		make_staff_contracts(g, &r, p, fresh);
		return;
	}

	/* Managers have one open, long-standing contract, mostly at head office. */
	if (!rng_pct(&r, 60))
		loc = (unsigned)cum_pick(&r, g->loc_cum, ARRAY_SIZE(locations));
	p->nc = 1;
	p->primary = 0;
	switch (role) {
	case ROLE_DIRECTOR:
		s = start_past(g, &r, 6 * 365, 15 * 365);
		contract_set(&p->c[0], 0, g->title_director, T_EMPLOYEE, 0, "1,0", s, NODATE);
		break;
	case ROLE_HEAD:
		fte = rng_pct(&r, 80) ? "1,0" : "0,8889";
		s = start_past(g, &r, 3 * 365, 25 * 365);
		contract_set(&p->c[0], dept, g->title_head[dept], T_EMPLOYEE, loc, fte, s, NODATE);
		break;
	default:
		fte = rng_pct(&r, 70) ? "1,0" : "0,8889";
		s = start_past(g, &r, 2 * 365, 20 * 365);
		contract_set(&p->c[0], dept, g->title_lead, T_EMPLOYEE, loc, fte, s, NODATE);
		break;
	}
}

/*
 * Projects, roles and temporary replacements, from their own stream so the
 * "replaces" targets can be known for all persons before any is written.
 */
static void
asg_make(const struct gen *g, uint32_t idx, unsigned dept, struct person *p)
{
	struct rng r = rng_for(g->seed, idx, SALT_ASG);
	uint32_t u = rng_below(&r, 1000);
	int n = u < 105 ? 1 : u < 125 ? 2 : 0;
	int32_t R = g->ref;

	p->na = 0;
	for (int i = 0; i < n; i++) {
		struct assignment *a = &p->a[p->na];
		uint32_t k = rng_below(&r, 100);

		if (k >= 80 && g->n < 2)
			k = 0;
		if (k < 50) {
			a->kind = A_PROJECT;
			a->value = projects[rng_below(&r, ARRAY_SIZE(projects))];
			a->start = R + rng_range(&r, -400, 45);
			a->end = rng_pct(&r, 30) ? NODATE : last_of_month(a->start + rng_range(&r, 60, 540));
		} else if (k < 80) {
			a->kind = A_ROLE;
			a->value = org_roles[rng_below(&r, ARRAY_SIZE(org_roles))];
			a->start = start_past(g, &r, 1, 2000);
			a->end = NODATE;
			if (rng_pct(&r, 20) && a->start < R - 31)
				a->end = R - rng_range(&r, 1, R - a->start - 30);
		} else {
			uint32_t j = idx;

			/* Preferably a colleague in the same department. */
			for (int t = 0; t < 16; t++) {
				j = rng_below(&r, g->n);
				if (j == idx)
					continue;
				if ((j < g->nheads ? j : dept_of(g, j)) == dept)
					break;
			}
			if (j == idx)
				j = (idx + 1 + rng_below(&r, g->n - 1)) % g->n;
			a->kind = A_REPLACES;
			a->value = NULL;
			a->target = j;
			a->start = R + rng_range(&r, -120, 30);
			a->end = a->start + rng_range(&r, 30, 180);
		}
		if (p->na == 1 && a->kind != A_REPLACES && a->kind == p->a[0].kind && a->value == p->a[0].value)
			continue;
		p->na++;
	}
}

/* Index, role, department and manager of person idx, in person order. */
static void
gen_place(struct gen *g, uint32_t idx, unsigned *role, unsigned *dept, uint32_t *boss)
{
	uint32_t cnt;
	unsigned d;

	if (idx == 0) {
		*role = ROLE_DIRECTOR;
		*dept = 0;
		*boss = UINT32_MAX;
		return;
	}
	if (idx < g->nheads) {
		*role = ROLE_HEAD;
		*dept = idx;
		*boss = 0;
		return;
	}
	d = dept_of(g, idx);
	*dept = d;
	*role = ROLE_STAFF;
	*boss = d;
	if (idx >= g->n)
		return;
	cnt = ++g->team_count[d];
	if (cnt > TEAM_DIRECT && (cnt - TEAM_DIRECT - 1) % TEAM_SIZE == 0) {
		*role = ROLE_LEAD;
		g->team_lead[d] = idx;
	} else if (cnt > TEAM_DIRECT) {
		*boss = g->team_lead[d];
	}
}

static uint32_t
contract_manager(const struct person *p, const struct contract *c)
{
	if (p->role == ROLE_DIRECTOR)
		return UINT32_MAX;
	if (c->dept == p->dept)
		return p->boss;
	return c->dept; /* that department's head */
}

static uint32_t
person_manager(const struct person *p)
{
	return p->nc ? contract_manager(p, &p->c[p->primary]) : p->boss;
}

/*
 * Applies the --mutate change picked for p, if any, and returns its kind.
 * Managers, and persons someone else temporarily replaces, only change names,
 * so that every manager and "replaces" value still names an existing person.
 */
static int
mutate(const struct gen *g, struct person *p)
{
	struct rng r = rng_for(g->seed, p->idx, SALT_MUT);
	uint32_t k;
	int m, staff = p->role == ROLE_STAFF;
	struct contract *c = p->nc ? &p->c[p->primary] : NULL;

	if (rng_next(&r) >= g->mut_threshold)
		return M_NONE;
	k = rng_below(&r, 100);
	m = k < 20 ? M_DEPT : k < 40 ? M_TITLE : k < 55 ? M_NAME : k < 70 ? M_ADD : k < 80 ? M_REMOVE : M_END;

	if (m == M_REMOVE && (!staff || (g->replaced[p->idx / 8] >> (p->idx % 8)) & 1))
		m = M_END;
	if (m == M_END) {
		c = NULL;
		for (int i = p->nc - 1; i >= 0; i--)
			if (p->c[i].end == NODATE)
				c = &p->c[i];
		if (!c || !staff)
			m = M_TITLE;
	}
	if (m == M_DEPT && (!c || !staff || g->nheads < 2 || (c->end != NODATE && c->end < g->ref)))
		m = M_TITLE;
	if (m == M_TITLE && (!c || !staff || c->type == T_INTERN))
		m = M_NAME;

	switch (m) {
	case M_DEPT:
		c->dept = (unsigned char)other_dept(g, &r, c->dept);
		c->title = (uint16_t)staff_title(g, &r, c->dept);
		break;
	case M_TITLE: c->title = (uint16_t)other_title(g, &r, c->dept, c->title); break;
	case M_END: {
		int32_t e = g->ref + rng_range(&r, 7, 60);

		c->end = e < c->start ? c->start : e;
		break;
	}
	case M_NAME:
		if (!p->pfamily[0]) {
			/* A marriage: the partner's name is now used after her own. */
			const struct family *f = &families[cum_pick(&r, g->family_cum, ARRAY_SIZE(families))];
			p->pprefix = f->prefix;
			p->pfamily = f->name;
			p->conv = "BP";
		} else if (rng_pct(&r, 50)) {
			p->pprefix = "";
			p->pfamily = "";
			p->conv = "B";
		} else {
			p->conv = !strcmp(p->conv, "B")	   ? "P"
				  : !strcmp(p->conv, "P")  ? "BP"
				  : !strcmp(p->conv, "BP") ? "PB"
							   : "B";
		}
		break;
	default: break;
	}
	return m;
}

/* ---------------------------------------------------------------- writer */

struct outs {
	struct out *persons;   /* NULL with --single-file */
	struct out *contracts; /* export.csv with --single-file */
	struct out *assignments;
};

static const char persons_header[] = "Personeelsnummer;Roepnaam;Voorletters;Voorvoegsel;Achternaam;"
				     "Voorvoegsel partner;Naam partner;Naamgebruik;E-mail privé;Telefoon";
static const char contracts_header[] = "Contractnummer;Personeelsnummer;Datum in dienst;Datum uit dienst;"
				       "Afdelingscode;Afdeling;Functiecode;Functie;Kostenplaats;Locatie;FTE;"
				       "Soort;Leidinggevende";
/*
 * One row per contract.  The person's own Leidinggevende is left out: it is
 * the primary contract's, and two columns of the same name would make the
 * header ambiguous for a name-mapped import.
 */
static const char export_header[] = "Contractnummer;Datum in dienst;Datum uit dienst;Afdelingscode;Afdeling;"
				    "Functiecode;Functie;Kostenplaats;Locatie;FTE;Soort;Leidinggevende";
static const char assignments_header[] = "Personeelsnummer;Soort;Waarde;Begindatum;Einddatum";

static void
write_manager(struct out *o, uint32_t m)
{
	if (m != UINT32_MAX)
		out_employee(o, m);
}

static void
write_person_cols(struct out *o, const struct person *p)
{
	out_employee(o, p->idx);
	out_sep(o);
	out_field(o, p->given);
	out_sep(o);
	out_field(o, p->initials);
	out_sep(o);
	out_field(o, p->prefix);
	out_sep(o);
	out_field(o, p->family);
	out_sep(o);
	out_field(o, p->pprefix);
	out_sep(o);
	out_field(o, p->pfamily);
	out_sep(o);
	out_str(o, p->conv);
	out_sep(o);
	out_field(o, p->email);
	out_sep(o);
	out_str(o, p->phone);
}

static void
write_contract_cols(struct out *o, const struct person *p, const struct contract *c, uint32_t number, int with_employee)
{
	const struct dept *d = &depts[c->dept];
	const struct title *t = &titles[c->title];

	out_bytes(o, "C", 1);
	out_uint(o, number, 6);
	out_sep(o);
	if (with_employee) {
		out_employee(o, p->idx);
		out_sep(o);
	}
	out_date(o, c->start);
	out_sep(o);
	out_date(o, c->end);
	out_sep(o);
	out_field(o, d->code);
	out_sep(o);
	out_field(o, d->name);
	out_sep(o);
	out_field(o, t->code);
	out_sep(o);
	out_field(o, t->name);
	out_sep(o);
	out_uint(o, d->cost_center + (d->multi_site ? 10u * c->loc : 0u), 4);
	out_sep(o);
	out_field(o, locations[c->loc]);
	out_sep(o);
	out_str(o, c->fte);
	out_sep(o);
	out_str(o, ctype_names[c->type]);
	out_sep(o);
	write_manager(o, contract_manager(p, c));
	out_eol(o);
}

/* Writes p; its contracts are numbered from cbase + 1. */
static void
write_person(struct outs *os, const struct person *p, uint32_t cbase)
{
	if (os->persons) {
		write_person_cols(os->persons, p);
		out_sep(os->persons);
		write_manager(os->persons, person_manager(p));
		out_eol(os->persons);
		for (int i = 0; i < p->nc; i++)
			write_contract_cols(os->contracts, p, &p->c[i], cbase + 1 + (uint32_t)i, 1);
	} else {
		for (int i = 0; i < p->nc; i++) {
			write_person_cols(os->contracts, p);
			out_sep(os->contracts);
			write_contract_cols(os->contracts, p, &p->c[i], cbase + 1 + (uint32_t)i, 0);
		}
	}
	for (int i = 0; i < p->na; i++) {
		const struct assignment *a = &p->a[i];
		struct out *o = os->assignments;

		out_employee(o, p->idx);
		out_sep(o);
		out_str(o, akind_names[a->kind]);
		out_sep(o);
		if (a->kind == A_REPLACES)
			out_employee(o, a->target);
		else
			out_field(o, a->value);
		out_sep(o);
		out_date(o, a->start);
		out_sep(o);
		out_date(o, a->end);
		out_eol(o);
	}
}

static int
gen_run(struct gen *g, struct outs *os)
{
	struct person p;
	uint32_t cno = 0, nadd = 0;

	/* Pass 1: who is replaced by someone, so they are never removed. */
	if (g->mutating) {
		for (uint32_t idx = 0; idx < g->n; idx++) {
			unsigned dept = idx < g->nheads ? idx : dept_of(g, idx);

			asg_make(g, idx, dept, &p);
			for (int i = 0; i < p.na; i++)
				if (p.a[i].kind == A_REPLACES)
					g->replaced[p.a[i].target / 8] |= (uint8_t)(1u << (p.a[i].target % 8));
		}
	}

	/* Pass 2: every person, streamed. */
	for (uint32_t idx = 0; idx < g->n; idx++) {
		unsigned role, dept;
		uint32_t boss, base = cno;
		int m = M_NONE;

		gen_place(g, idx, &role, &dept, &boss);
		person_make(g, idx, role, dept, boss, 0, &p);
		asg_make(g, idx, dept, &p);
		cno += (uint32_t)p.nc;
		if (g->mutating)
			m = mutate(g, &p);
		if (m == M_ADD)
			nadd++;
		if (m != M_REMOVE)
			write_person(os, &p, base);
	}

	/* Hires added by --mutate get numbers above every existing one. */
	for (uint32_t k = 0; k < nadd; k++) {
		uint32_t idx = g->n + k, base = cno;
		unsigned role, dept;
		uint32_t boss;

		gen_place(g, idx, &role, &dept, &boss);
		person_make(g, idx, role, dept, boss, 1, &p);
		p.na = 0;
		cno += (uint32_t)p.nc;
		write_person(os, &p, base);
	}
	return 0;
}

/* ----------------------------------------------------------------- main */

static void
usage(FILE *fp)
{
	fputs("usage: roster-gen [--persons N] [--seed S] [--ref YYYY-MM-DD]\n"
	      "                  [--mutate PERCENT] [--single-file] OUTDIR\n",
	      fp);
}

static int
parse_ulong(const char *opt, const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return errorf("%s: \"%s\" is not a number", opt, s);
	v = strtoull(s, &end, 10);
	if (*end || errno)
		return errorf("%s: \"%s\" is not a number", opt, s);
	if (v > max)
		return errorf("%s: %s is more than %llu", opt, s, max);
	*out = v;
	return 0;
}

static int
parse_date(const char *s, int32_t *out)
{
	int y, m, d;

	for (int i = 0; i < 10; i++) {
		int dash = i == 4 || i == 7;
		if (!s[i] || (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			goto bad;
	}
	if (s[10])
		goto bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1950 || y > 9000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		goto bad;
	*out = days_from_civil(y, m, d);
	return 0;
bad:
	return errorf("--ref: \"%s\" is not a date (expected YYYY-MM-DD, 1950-9000)", s);
}

static int
parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > 100)
		return errorf("--mutate: \"%s\" is not a percentage from 0 to 100", s);
	*out = v;
	return 0;
}

/*
 * Accepts "--opt value" and "--opt=value": 1 and *val set when argv[*i] is
 * option name, 0 when it is not, -1 (reported) when the value is missing.
 */
static int
opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) || (a[n] && a[n] != '='))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (*i + 1 >= argc)
		return errorf("%s needs a value", name);
	*val = argv[++*i];
	return 1;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long long v;

	o->persons = 300;
	o->seed = 1;
	o->ref = days_from_civil(2026, 1, 5);
	o->mutate = 0;
	o->single_file = 0;
	o->outdir = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int r;

		if (!strcmp(a, "--single-file")) {
			o->single_file = 1;
		} else if ((r = opt_value(argc, argv, &i, "--persons", &val))) {
			if (r < 0)
				return -1;
			if (parse_ulong("--persons", val, MAX_PERSONS, &v))
				return -1;
			if (v == 0)
				return errorf("--persons: must be at least 1");
			o->persons = (uint32_t)v;
		} else if ((r = opt_value(argc, argv, &i, "--seed", &val))) {
			if (r < 0)
				return -1;
			if (parse_ulong("--seed", val, UINT64_MAX, &v))
				return -1;
			o->seed = (uint64_t)v;
		} else if ((r = opt_value(argc, argv, &i, "--ref", &val))) {
			if (r < 0)
				return -1;
			if (parse_date(val, &o->ref))
				return -1;
		} else if ((r = opt_value(argc, argv, &i, "--mutate", &val))) {
			if (r < 0)
				return -1;
			if (parse_percent(val, &o->mutate))
				return -1;
		} else if (a[0] == '-' && a[1]) {
			return errorf("unknown option '%s'", a);
		} else if (o->outdir) {
			return errorf("more than one output directory: '%s' and '%s'", o->outdir, a);
		} else {
			o->outdir = a;
		}
	}
	if (!o->outdir)
		return errorf("missing output directory");
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct gen *g = NULL;
	struct outs os = { NULL, NULL, NULL };
	int rc = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
	}
	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}

	g = calloc(1, sizeof(*g));
	if (!g) {
		errorf("out of memory");
		goto out;
	}
	g->n = o.persons;
	g->seed = o.seed;
	g->ref = o.ref;
	g->mutating = o.mutate > 0;
	if (o.mutate >= 100)
		g->mut_threshold = UINT64_MAX;
	else
		g->mut_threshold = (uint64_t)(o.mutate / 100.0 * 18446744073709551616.0);
	gen_init_tables(g);
	if (g->mutating && !(g->replaced = calloc(g->n / 8 + 1, 1))) {
		errorf("out of memory");
		goto out;
	}

	if (mkdir(o.outdir, 0777) != 0 && errno != EEXIST) {
		errorf("cannot create directory %s: %s", o.outdir, strerror(errno));
		goto out;
	}
	if (o.single_file) {
		if (!(os.contracts = out_open(o.outdir, "export.csv")))
			goto out;
		out_str(os.contracts, persons_header);
		out_sep(os.contracts);
		out_str(os.contracts, export_header);
		out_eol(os.contracts);
	} else {
		if (!(os.persons = out_open(o.outdir, "persons.csv")) ||
		    !(os.contracts = out_open(o.outdir, "contracts.csv")))
			goto out;
		out_str(os.persons, persons_header);
		out_str(os.persons, ";Leidinggevende");
		out_eol(os.persons);
		out_str(os.contracts, contracts_header);
		out_eol(os.contracts);
	}
	if (!(os.assignments = out_open(o.outdir, "assignments.csv")))
		goto out;
	out_str(os.assignments, assignments_header);
	out_eol(os.assignments);

	if (gen_run(g, &os))
		goto out;
	rc = 0;
out:
	if (out_close(os.assignments))
		rc = 2;
	if (out_close(os.contracts))
		rc = 2;
	if (out_close(os.persons))
		rc = 2;
	if (g)
		free(g->replaced);
	free(g);
	return rc;
}
